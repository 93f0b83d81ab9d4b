import { test } from 'node:test';
import { assertInvalid, assertValid, type InvalidCase } from './testing.js';

// From Istio's documentation (Bookinfo samples and traffic-management tasks).
const BOOKINFO_ALL_V1 = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: productpage
spec:
  hosts:
  - productpage
  http:
  - route:
    - destination:
        host: productpage
        subset: v1
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
spec:
  hosts:
  - ratings
  http:
  - route:
    - destination:
        host: ratings
        subset: v1
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: details
spec:
  hosts:
  - details
  http:
  - route:
    - destination:
        host: details
        subset: v1
---
`;

const REVIEWS_V2_V3 = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
    - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v2
      weight: 50
    - destination:
        host: reviews
        subset: v3
      weight: 50
`;

const JASON = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
    - reviews
  http:
  - match:
    - headers:
        end-user:
          exact: jason
    route:
    - destination:
        host: reviews
        subset: v2
  - route:
    - destination:
        host: reviews
        subset: v1
`;

const RATINGS_DELAY = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
spec:
  hosts:
  - ratings
  http:
  - match:
    - headers:
        end-user:
          exact: jason
    fault:
      delay:
        percentage:
          value: 100.0
        fixedDelay: 7s
    route:
    - destination:
        host: ratings
        subset: v1
  - route:
    - destination:
        host: ratings
        subset: v1
`;

const RATINGS_ABORT = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
spec:
  hosts:
  - ratings
  http:
  - match:
    - headers:
        end-user:
          exact: jason
    fault:
      abort:
        percentage:
          value: 100.0
        httpStatus: 500
    route:
    - destination:
        host: ratings
        subset: v1
  - route:
    - destination:
        host: ratings
        subset: v1
`;

const MIRROR = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
    - httpbin
  http:
  - route:
    - destination:
        host: httpbin
        subset: v1
      weight: 100
    mirror:
      host: httpbin
      subset: v2
    mirrorPercentage:
      value: 100.0
`;

const BOOKINFO_GATEWAY_VS = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bookinfo
spec:
  hosts:
  - "*"
  gateways:
  - bookinfo-gateway
  http:
  - match:
    - uri:
        exact: /productpage
    - uri:
        prefix: /static
    - uri:
        exact: /login
    - uri:
        exact: /logout
    - uri:
        prefix: /api/v1/products
    route:
    - destination:
        host: productpage
        port:
          number: 9080
`;

const TIMEOUTS_RETRIES_REWRITE = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews-route
spec:
  hosts:
  - reviews.prod.svc.cluster.local
  http:
  - name: "reviews-v2-routes"
    match:
    - uri:
        prefix: "/wpcatalog"
    - uri:
        prefix: "/consumercatalog"
    rewrite:
      uri: "/newcatalog"
    route:
    - destination:
        host: reviews.prod.svc.cluster.local
        subset: v2
    timeout: 10s
    retries:
      attempts: 3
      perTryTimeout: 2s
      retryOn: gateway-error,connect-failure,refused-stream,503
  - name: "reviews-v1-route"
    route:
    - destination:
        host: reviews.prod.svc.cluster.local
        subset: v1
`;

const CORS_REDIRECT_DIRECT = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings-route
spec:
  hosts:
  - ratings.prod.svc.cluster.local
  http:
  - match:
    - uri:
        exact: /v1/getProductRatings
    redirect:
      uri: /v1/bookRatings
      authority: newratings.default.svc.cluster.local
  - match:
    - uri:
        exact: /v1/unknown
    directResponse:
      status: 503
      body:
        string: "unknown"
  - route:
    - destination:
        host: ratings.prod.svc.cluster.local
        subset: v1
    corsPolicy:
      allowOrigins:
      - exact: https://example.com
      allowMethods:
      - POST
      - GET
      allowCredentials: false
      allowHeaders:
      - X-Foo-Bar
      maxAge: "24h"
`;

const TCP_TLS = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bookinfo-sni
spec:
  hosts:
  - "*.bookinfo.com"
  gateways:
  - mygateway
  tls:
  - match:
    - port: 443
      sniHosts:
      - login.bookinfo.com
    route:
    - destination:
        host: login.prod.svc.cluster.local
  - match:
    - port: 443
      sniHosts:
      - reviews.bookinfo.com
    route:
    - destination:
        host: reviews.prod.svc.cluster.local
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bookinfo-mongo
spec:
  hosts:
  - mongo.prod.svc.cluster.local
  tcp:
  - match:
    - port: 27017
    route:
    - destination:
        host: mongo.backup.svc.cluster.local
        port:
          number: 5555
`;

const DELEGATE = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: bookinfo
spec:
  hosts:
  - "bookinfo.com"
  gateways:
  - mygateway
  http:
  - match:
    - uri:
        prefix: "/productpage"
    delegate:
       name: productpage
       namespace: nsA
  - route:
    - destination:
        host: productpage.nsA.svc.cluster.local
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: productpage
  namespace: nsa
spec:
  http:
  - match:
     - uri:
        prefix: "/productpage/v1/"
    route:
    - destination:
        host: productpage-v1.nsA.svc.cluster.local
`;

test('VirtualService: examples from Istio documentation validate', () => {
  for (const yaml of [BOOKINFO_ALL_V1, REVIEWS_V2_V3, JASON, RATINGS_DELAY, RATINGS_ABORT, MIRROR, BOOKINFO_GATEWAY_VS, TIMEOUTS_RETRIES_REWRITE, CORS_REDIRECT_DIRECT, TCP_TLS]) {
    assertValid(yaml);
  }
});

test('VirtualService: a delegate (no hosts) and its root validate', () => {
  // Istio's delegate example uses namespace "nsA"; Kubernetes namespaces are lower case.
  assertValid(DELEGATE.replace('namespace: nsA', 'namespace: nsa'));
});

const head = (spec: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
${spec}`;

const who = 'VirtualService default/reviews:';

const INVALID: InvalidCase[] = [
  {
    name: 'weights do not sum to 100',
    yaml: head(`
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews, subset: v1 }
      weight: 50
    - destination: { host: reviews, subset: v2 }
      weight: 40`),
    errors: [`${who} spec.http[0].route[1].weight: weights must sum to 100, got 90`],
  },
  {
    name: 'weight out of range',
    yaml: head(`
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews }
      weight: 120`),
    errors: [`${who} spec.http[0].route[0].weight: must be in the range 0..100, got 120`],
  },
  {
    name: 'several destinations without weights',
    yaml: head(`
  hosts: [reviews]
  tcp:
  - route:
    - destination: { host: a }
    - destination: { host: b }`),
    errors: [`${who} spec.tcp[0].route: weights must sum to 100, got 0`],
  },
  {
    name: 'unknown field with a suggestion',
    yaml: head(`
  hosts: [reviews]
  http:
  - rout:
    - destination: { host: reviews }`),
    errors: [`${who} spec.http[0].rout: unknown field "rout"; did you mean "route"?`],
  },
  {
    name: 'unknown field far from any known name, and snake_case',
    yaml: head(`
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews }
    zzz: 1
    retries: { attempts: 3, per_try_timeout: 2s }`),
    errors: [
      `${who} spec.http[0].zzz: unknown field "zzz"`,
      `${who} spec.http[0].retries.per_try_timeout: unknown field "per_try_timeout"; did you mean "perTryTimeout"?`,
    ],
  },
  {
    name: 'wrong types',
    yaml: head(`
  hosts: reviews
  http:
  - route:
    - destination: { host: reviews, port: { number: "80" } }
      weight: 1.5
    timeout: 10`),
    errors: [
      `${who} spec.hosts: must be a list, got "reviews"`,
      `${who} spec.http[0].route[0].destination.port.number: must be an integer, got "80"`,
      `${who} spec.http[0].route[0].weight: must be an integer, got 1.5`,
      `${who} spec.http[0].timeout: must be a duration such as "10s", "1.5s", "500ms" or "1h", got 10`,
    ],
  },
  {
    name: 'no hosts but gateways',
    yaml: head(`
  gateways: [my-gateway]
  http:
  - route:
    - destination: { host: reviews }`),
    errors: [`${who} spec.hosts: required: a VirtualService without hosts is a delegate, and a delegate may not have gateways`],
  },
  {
    name: 'no routes at all',
    yaml: head(`
  hosts: [reviews]`),
    errors: [`${who} spec: http, tcp or tls must be provided in virtual service`],
  },
  {
    name: 'route, redirect, directResponse',
    yaml: head(`
  hosts: [reviews]
  http:
  - match: [{ uri: { prefix: /a } }]
  - redirect: { uri: /b }
    route: [{ destination: { host: reviews } }]
  - directResponse: { status: 200 }
    rewrite: { uri: /c }`),
    errors: [
      `${who} spec.http[0]: HTTP route must have one of route, redirect, directResponse or delegate`,
      `${who} spec.http[1].redirect: HTTP route cannot contain both route and redirect`,
      `${who} spec.http[2].directResponse: HTTP route cannot contain both rewrite and directResponse`,
    ],
  },
  {
    name: 'destination host missing (a shape error: semantic checks wait until the shape is clean)',
    yaml: head(`
  hosts: [reviews]
  http:
  - route:
    - destination: { subset: v1 }
      weight: 30`),
    errors: [`${who} spec.http[0].route[0].destination.host: required`],
  },
  {
    name: 'destination host, subset and port',
    yaml: head(`
  hosts: [reviews]
  http:
  - route:
    - destination: { host: "", subset: V_1, port: { number: 70000 } }
    - destination: { host: "*" }`),
    errors: [
      `${who} spec.http[0].route[0].destination.host: required`,
      `${who} spec.http[0].route[0].destination.subset: subset name "V_1" is invalid: must be a DNS label`,
      `${who} spec.http[0].route[0].destination.port.number: port number 70000 must be in the range 1..65535`,
      `${who} spec.http[0].route[1].destination.host: invalid destination host *`,
      `${who} spec.http[0].route: weights must sum to 100, got 0`,
    ],
  },
  {
    name: 'timeouts, retries',
    yaml: head(`
  hosts: [reviews]
  http:
  - route: [{ destination: { host: reviews } }]
    timeout: 0.5ms
    retries: { attempts: 2, perTryTimeout: 1500us, retryOn: "5xx,gateway-eror,599,429" }
  - route: [{ destination: { host: reviews } }]
    retries: { attempts: -1 }
  - route: [{ destination: { host: reviews } }]
    retries: { perTryTimeout: 1s }`),
    errors: [
      `${who} spec.http[0].retries.perTryTimeout: only durations to ms precision are supported, got "1500us"`,
      `${who} spec.http[0].retries.retryOn: "gateway-eror" is not a valid retryOn policy (did you mean "gateway-error"?)`,
      `${who} spec.http[0].retries.retryOn: "599" is not a valid retryOn policy`,
      `${who} spec.http[0].timeout: must be at least 1ms, got "0.5ms"`,
      `${who} spec.http[1].retries.attempts: attempts cannot be negative, got -1`,
      `${who} spec.http[2].retries.attempts: http retry policy configured when attempts are set to 0 (disabled)`,
    ],
  },
  {
    name: 'fault injection',
    yaml: head(`
  hosts: [ratings]
  http:
  - route: [{ destination: { host: ratings } }]
    fault:
      abort: { httpStatus: 600, percentage: { value: 150 } }
      delay: { fixedDelay: 7s, percent: 101 }
  - route: [{ destination: { host: ratings } }]
    fault:
      abort: { grpcStatus: NOTFOUND }
  - route: [{ destination: { host: ratings } }]
    fault: {}`),
    errors: [
      `${who} spec.http[0].fault.abort.percentage.value: must be 0 or in the range 0.0001..100, got 150`,
      `${who} spec.http[0].fault.abort.httpStatus: HTTP status 600 is not in range 200..599`,
      `${who} spec.http[0].fault.delay.percent: must be in the range 0..100, got 101`,
      `${who} spec.http[1].fault.abort.grpcStatus: gRPC status "NOTFOUND" is not supported; use a code name such as NOT_FOUND or UNAVAILABLE`,
      `${who} spec.http[2].fault: HTTP fault injection must have an abort and/or a delay`,
    ],
  },
  {
    name: 'StringMatch: two of exact/prefix/regex (a proto oneof)',
    yaml: head(`
  hosts: [reviews]
  http:
  - match:
    - uri: { exact: /a, prefix: /b }
    - uri: {}
    - uri: { regex: "/(a" }
    - uri: { regex: "/(?=x)" }
    - headers: { x-version: { prefix: "" } }
    route: [{ destination: { host: reviews } }]`),
    errors: [
      `${who} spec.http[0].match[0].uri: only one of exact, prefix, regex may be set, got exact and prefix`,
    ],
  },
  {
    name: 'StringMatch semantics',
    yaml: head(`
  hosts: [reviews]
  http:
  - match:
    - uri: {}
    - uri: { regex: "/(a" }
    - uri: { regex: "/(?=x)" }
    - headers: { x-version: { prefix: "" }, X-User: { exact: a }, present: {} }
    - withoutHeaders: { x-debug: { regex: "*" } }
    - uri: { regex: "/(?P<id>[0-9]+)" }
    route: [{ destination: { host: reviews } }]`),
    errors: [
      `${who} spec.http[0].match[0].uri: must set one of exact, prefix, regex`,
      `${who} spec.http[0].match[1].uri.regex: invalid regex "/(a": Unterminated group; Istio uses RE2 syntax (https://github.com/google/re2/wiki/Syntax)`,
      `${who} spec.http[0].match[2].uri.regex: invalid regex "/(?=x)": lookahead and lookbehind are not supported (Istio uses RE2 syntax: https://github.com/google/re2/wiki/Syntax)`,
      `${who} spec.http[0].match[3].headers[x-version].prefix: prefix string match should not be empty`,
      `${who} spec.http[0].match[3].headers[X-User]: header names must be lowercase: use "x-user"`,
    ],
  },
  {
    name: 'gateways, hosts',
    yaml: head(`
  hosts: ["*", reviews, reviews, "bad_host"]
  gateways: [mesh, "istio-system/", "Bad/gw", "ns/my-gateway"]
  http:
  - route: [{ destination: { host: reviews } }]`),
    errors: [
      `${who} spec.gateways[1]: gateway "istio-system/": namespace and gateway name cannot be empty`,
      `${who} spec.hosts[0]: wildcard host * is not allowed for virtual services bound to the mesh gateway`,
      `${who} spec.hosts[3]: domain name "bad_host" invalid (label "bad_host" invalid)`,
    ],
  },
  {
    name: 'duplicate hosts',
    yaml: head(`
  hosts: ["*.example.com", "a.example.com"]
  http:
  - route: [{ destination: { host: reviews } }]`),
    errors: [`${who} spec.hosts[1]: duplicate hosts in virtual service: *.example.com & a.example.com`],
  },
  {
    name: 'mirrors, redirect, cors',
    yaml: head(`
  hosts: [httpbin]
  http:
  - route: [{ destination: { host: httpbin } }]
    mirror: { host: httpbin, subset: v2 }
    mirrors: [{ destination: { host: httpbin }, percentage: { value: 101 } }]
    mirrorPercentage: { value: -1 }
    corsPolicy: { allowMethods: [GET, FETCH], maxAge: 1500ms, allowOrigins: [{ exact: "" }] }
  - redirect: { redirectCode: 200, scheme: ftp }
  - redirect: {}`),
    errors: [
      `${who} spec.http[0].corsPolicy.allowOrigins[0]: an empty string is not a valid match for CORS allow origins`,
      `${who} spec.http[0].corsPolicy.allowMethods[1]: "FETCH" is not a supported HTTP method (GET, HEAD, POST, PUT, PATCH, DELETE, CONNECT, OPTIONS, TRACE)`,
      `${who} spec.http[0].corsPolicy.maxAge: maxAge is accurate only to seconds precision`,
      `${who} spec.http[0].mirrorPercentage.value: must be 0 or in the range 0.0001..100, got -1`,
      `${who} spec.http[0].mirrors: HTTP route cannot contain both mirror and mirrors`,
      `${who} spec.http[0].mirrors[0].percentage.value: must be 0 or in the range 0.0001..100, got 101`,
      `${who} spec.http[1].redirect.redirectCode: 200 is not a valid redirect code, must be 3xx`,
      `${who} spec.http[1].redirect.scheme: invalid redirect scheme, must be "http" or "https"`,
      `${who} spec.http[2].redirect: redirect must specify uri, authority, scheme, port or derivePort`,
    ],
  },
  {
    name: 'header operations',
    yaml: head(`
  hosts: [reviews]
  http:
  - route:
    - destination: { host: reviews }
      headers: { response: { set: { host: x } } }
    headers:
      request: { set: { ":path": /x, "x-a": "50%" }, remove: [host] }
    rewrite: { authority: a.example.com }`),
    errors: [
      `${who} spec.http[0].headers.request.set[:path]: invalid header ":path": header cannot have ":" prefix`,
      `${who} spec.http[0].headers.request.set[x-a]: header value "50%" has an unterminated "%" (write "%%" for a literal percent sign)`,
      `${who} spec.http[0].headers.request.remove[0]: invalid header "host": cannot set Host header`,
      `${who} spec.http[0].route[0].headers.response.set[host]: invalid header "host": cannot set Host header`,
    ],
  },
  {
    name: 'TLS and TCP routes',
    yaml: head(`
  hosts: ["*.bookinfo.com"]
  tls:
  - match: [{ sniHosts: [login.example.com] }]
  - match: []
    route: [{ destination: { host: a } }]
  tcp:
  - match: [{ destinationSubnets: [10.0.0.0/33], port: 0 }]
    route: [{ destination: { host: b } }]`),
    errors: [
      `${who} spec.tls[0].match[0].sniHosts[0]: SNI host "login.example.com" is not a compatible subset of any of the virtual service hosts: [*.bookinfo.com]`,
      `${who} spec.tls[0].route: TLS route is required`,
      `${who} spec.tls[1].match: TLS route must have at least one match condition`,
      `${who} spec.tcp[0].match[0].destinationSubnets[0]: 10.0.0.0/33 is not a valid CIDR block`,
    ],
  },
];

for (const c of INVALID) test(`VirtualService invalid: ${c.name}`, () => assertInvalid(c));
