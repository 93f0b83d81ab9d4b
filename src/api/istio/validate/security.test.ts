import { test } from 'node:test';
import { assertInvalid, assertValid, type InvalidCase } from './testing.js';

// From Istio's security tasks and reference pages.
const EXAMPLES = `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: istio-system
spec:
  mtls:
    mode: STRICT
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: foo
spec:
  selector:
    matchLabels:
      app: finance
  mtls:
    mode: STRICT
  portLevelMtls:
    8080:
      mode: DISABLE
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: jwt-example
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: ingressgateway
  jwtRules:
  - issuer: "testing@secure.istio.io"
    jwksUri: "https://raw.githubusercontent.com/istio/istio/release-1.24/security/tools/jwt/samples/jwks.json"
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: httpbin
  namespace: foo
spec:
  selector:
    matchLabels:
      app: httpbin
  jwtRules:
  - issuer: "issuer-foo"
    jwks: '{ "keys":[ {"e":"AQAB","kid":"DHFbpoIUqrY8t2zpA2qXfCmr5VO5ZEr4RzHU_-envvQ","kty":"RSA","n":"xAE7eB6qugXyCAG3yhh7pkDkT65pHymX-P7KfIupjf59vsdo91bSP9C8H07pSAGQO1MV_xFj9VswgsCg4R6otmg5PV2He95lZdHtOcU5DXIg_pbhLdKXbi66GlVeK6ABZOUW3WYtnNHD-91gVuoeJT_DwtGGcp4ignkgXfkiEm4sw-4sfb4qdt5oLbyVpmW6x9cfa7vs2WTfURiCrBoUqgBo_-4WTiULmmHSGZHOjzwa8WtrtOQGsAFjIbno85jp6MnGGGZPYZbDAa_b3y5u-YpW7ypZrvD8BgtKVjgtQgZhLAGezMt0ua3DRrWnKqTZ0BJ_EyxOGuHJrLsn00fnMQ"}]}'
    outputPayloadToHeader: x-jwt-payload
    fromHeaders:
    - name: x-jwt-assertion
      prefix: "Bearer "
    outputClaimToHeaders:
    - header: x-jwt-claim-foo
      claim: foo
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-nothing
  namespace: foo
spec: {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-all
  namespace: foo
spec:
  rules:
  - {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: httpbin
  namespace: foo
spec:
  selector:
    matchLabels:
      app: httpbin
      version: v1
  action: ALLOW
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/default/sa/sleep"]
    - source:
        namespaces: ["dev"]
    to:
    - operation:
        methods: ["GET"]
    when:
    - key: request.auth.claims[iss]
      values: ["https://accounts.google.com"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: httpbin-deny
  namespace: foo
spec:
  selector:
    matchLabels:
      app: httpbin
      version: v1
  action: DENY
  rules:
  - from:
    - source:
        notNamespaces: ["foo"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ext-authz
  namespace: foo
spec:
  selector:
    matchLabels:
      app: httpbin
  action: CUSTOM
  provider:
    name: "sample-ext-authz-grpc"
  rules:
  - to:
    - operation:
        paths: ["/headers"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ingress-policy
  namespace: istio-system
spec:
  selector:
    matchLabels:
      app: istio-ingressgateway
  action: ALLOW
  rules:
  - from:
    - source:
        remoteIpBlocks: ["1.2.3.4", "5.6.7.0/24"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: tcp-policy
  namespace: foo
spec:
  selector:
    matchLabels:
      app: tcp-echo
  action: ALLOW
  rules:
  - to:
    - operation:
        ports: ["9000", "9001"]
    when:
    - key: source.ip
      values: ["10.0.0.0/8"]
    - key: request.headers[version]
      values: ["v1", "v2"]
    - key: destination.port
      notValues: ["9002"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: path-templates
  namespace: foo
spec:
  rules:
  - to:
    - operation:
        paths: ["/foo/{*}/bar/{**}", "/api/*"]
`;

test('security kinds: examples from Istio documentation validate', () => {
  assertValid(EXAMPLES);
});

const doc = (kind: string, spec: string) => `
apiVersion: security.istio.io/v1
kind: ${kind}
metadata:
  name: p
spec:
${spec}`;

const INVALID: InvalidCase[] = [
  {
    name: 'PeerAuthentication: mode enum',
    yaml: doc('PeerAuthentication', '  mtls: { mode: STRICTER }'),
    errors: ['PeerAuthentication default/p: spec.mtls.mode: must be one of UNSET, DISABLE, PERMISSIVE, STRICT, got "STRICTER" (did you mean "STRICT"?)'],
  },
  {
    name: 'PeerAuthentication: portLevelMtls needs a selector, ports in range',
    yaml: doc('PeerAuthentication', '  portLevelMtls: { 70000: { mode: DISABLE }, http: { mode: STRICT } }'),
    errors: [
      'PeerAuthentication default/p: spec.portLevelMtls: requires a selector with matchLabels: mesh- and namespace-wide peer authentication cannot have port level mTLS',
      'PeerAuthentication default/p: spec.portLevelMtls[70000]: port must be a number in range 1..65535, got "70000"',
      'PeerAuthentication default/p: spec.portLevelMtls[http]: port must be a number in range 1..65535, got "http"',
    ],
  },
  {
    name: 'RequestAuthentication: issuer, jwksUri, jwks, headers',
    yaml: doc(
      'RequestAuthentication',
      `
  jwtRules:
  - jwksUri: ftp://example.com/jwks.json
  - issuer: a
    jwks: '{"keys": [{"n": "x"}]}'
    fromHeaders: [{ name: "" }]
    outputClaimToHeaders: [{ header: "x y", claim: sub }]
  - issuer: b
    jwks: 'not json'
    jwksUri: "::"`,
    ),
    errors: [
      'RequestAuthentication default/p: spec.jwtRules[0].issuer: issuer must be set',
      'RequestAuthentication default/p: spec.jwtRules[0].jwksUri: URI scheme "ftp" is not supported (use http or https)',
      'RequestAuthentication default/p: spec.jwtRules[1].jwks: jwks parse error: "keys" must be a list of JWKs, each with "kty"',
      'RequestAuthentication default/p: spec.jwtRules[1].fromHeaders[0].name: location header name must be a non-empty string',
      'RequestAuthentication default/p: spec.jwtRules[1].outputClaimToHeaders[0].header: header name "x y" is not a valid header name',
      'RequestAuthentication default/p: spec.jwtRules[2].jwksUri: "::" is not a valid URL',
      'RequestAuthentication default/p: spec.jwtRules[2].jwks: jwks parse error: Unexpected token \'o\', "not json" is not valid JSON',
    ],
  },
  {
    name: 'RequestAuthentication: selector and targetRef are exclusive; targetRef kinds',
    yaml: doc(
      'RequestAuthentication',
      `
  selector: { matchLabels: { app: a } }
  targetRef: { kind: Deployment, name: a, namespace: other }`,
    ),
    errors: [
      'RequestAuthentication default/p: spec: only one of selector, targetRef or targetRefs can be set',
      'RequestAuthentication default/p: spec.targetRef.namespace: targetRef namespace must not be set; cross namespace referencing is not supported',
      'RequestAuthentication default/p: spec.targetRef: targetRef must be to one of core/Service, networking.istio.io/ServiceEntry, gateway.networking.k8s.io/Gateway, but was /Deployment',
    ],
  },
  {
    name: 'AuthorizationPolicy: action enum',
    yaml: doc('AuthorizationPolicy', '  action: ALLOWED'),
    errors: ['AuthorizationPolicy default/p: spec.action: must be one of ALLOW, DENY, AUDIT, CUSTOM, got "ALLOWED" (did you mean "ALLOW"?)'],
  },
  {
    name: 'AuthorizationPolicy: CUSTOM needs a provider, DENY needs rules, provider only with CUSTOM',
    yaml: doc('AuthorizationPolicy', '  action: CUSTOM\n  rules: [{}]'),
    errors: ['AuthorizationPolicy default/p: spec.provider.name: required for action CUSTOM'],
  },
  {
    name: 'AuthorizationPolicy: DENY without rules, provider without CUSTOM',
    yaml: doc('AuthorizationPolicy', '  action: DENY\n  provider: { name: x }'),
    errors: [
      'AuthorizationPolicy default/p: spec.provider: provider must not be set with non CUSTOM action, found DENY',
      'AuthorizationPolicy default/p: spec.rules: DENY action without rules is meaningless as it will never be triggered; add an empty rule {} to trigger it for every request',
    ],
  },
  {
    name: 'AuthorizationPolicy: empty from/to entries, ports, IPs, paths',
    yaml: doc(
      'AuthorizationPolicy',
      `
  rules:
  - from: []
    to: []
  - from: [{ source: {} }, {}]
    to: [{ operation: { ports: ["http", "70000"], paths: ["/a/{**}/b/{*}"] } }]
  - from: [{ source: { ipBlocks: ["10.0.0.0/40"], principals: [""] } }]`,
    ),
    errors: [
      'AuthorizationPolicy default/p: spec.rules[0].from: from must not be empty',
      'AuthorizationPolicy default/p: spec.rules[0].to: to must not be empty',
      'AuthorizationPolicy default/p: spec.rules[1].from[0].source: source must not be empty',
      'AuthorizationPolicy default/p: spec.rules[1].from[1].source: required',
      'AuthorizationPolicy default/p: spec.rules[1].to[0].operation.ports: bad port (http): must be a number in 0..65535, written as a string',
      'AuthorizationPolicy default/p: spec.rules[1].to[0].operation.paths: invalid or unsupported path /a/{**}/b/{*}: {**} is not the last operator',
      'AuthorizationPolicy default/p: spec.rules[2].from[0].source.principals: empty value not allowed, found in principals',
      'AuthorizationPolicy default/p: spec.rules[2].from[0].source.ipBlocks: bad CIDR range (10.0.0.0/40)',
    ],
  },
  {
    name: 'AuthorizationPolicy: when keys from the documented list',
    yaml: doc(
      'AuthorizationPolicy',
      `
  rules:
  - when:
    - key: source.ips
      values: ["10.0.0.1"]
    - key: request.headers
      values: ["x"]
    - key: destination.port
      values: ["eighty"]
    - key: destination.namespace
      values: ["foo"]
    - key: request.auth.claims[groups]`,
    ),
    errors: [
      'AuthorizationPolicy default/p: spec.rules[0].when[0].key: unknown attribute "source.ips" (did you mean "source.ip"?)',
      'AuthorizationPolicy default/p: spec.rules[0].when[1].key: bad key (request.headers): should have format a[b]',
      'AuthorizationPolicy default/p: spec.rules[0].when[2].values: bad port (eighty): must be a number in 0..65535, written as a string',
      'AuthorizationPolicy default/p: spec.rules[0].when[3].key: attribute destination.namespace is replaced by the metadata.namespace',
      'AuthorizationPolicy default/p: spec.rules[0].when[4]: at least one of values or notValues must be set for key request.auth.claims[groups]',
    ],
  },
  {
    name: 'AuthorizationPolicy: CUSTOM does not support principals',
    yaml: doc(
      'AuthorizationPolicy',
      `
  action: CUSTOM
  provider: { name: ext }
  rules:
  - from: [{ source: { principals: ["cluster.local/ns/a/sa/b"] } }]
    when: [{ key: source.principal, values: ["x"] }]`,
    ),
    errors: [
      'AuthorizationPolicy default/p: spec.rules[0].from[0].source.principals: principals is currently not supported with CUSTOM action',
      'AuthorizationPolicy default/p: spec.rules[0].when[0].key: source.principal is currently not supported with CUSTOM action',
    ],
  },
];

for (const c of INVALID) test(`security invalid: ${c.name}`, () => assertInvalid(c));
