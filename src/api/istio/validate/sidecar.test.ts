import { test } from 'node:test';
import { assertInvalid, assertValid, type InvalidCase } from './testing.js';

// From Istio's Sidecar reference page.
const EXAMPLES = `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
  namespace: istio-config
spec:
  egress:
  - hosts:
    - "./*"
    - "istio-system/*"
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
  namespace: prod-us1
spec:
  egress:
  - hosts:
    - "prod-us1/*"
    - "prod-apis/*"
    - "istio-system/*"
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: ratings
  namespace: prod-us1
spec:
  workloadSelector:
    labels:
      app: ratings
  ingress:
  - port:
      number: 9080
      protocol: HTTP
      name: somename
    defaultEndpoint: unix:///var/run/someuds.sock
  egress:
  - port:
      number: 9080
      protocol: HTTP
      name: egresshttp
    hosts:
    - "prod-us1/*"
  - hosts:
    - "istio-system/*"
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: no-ip-tables
  namespace: prod-us1
spec:
  workloadSelector:
    labels:
      app: productpage
  ingress:
  - port:
      number: 9080
      protocol: HTTP
      name: somename
    defaultEndpoint: 127.0.0.1:8080
    captureMode: NONE
  egress:
  - port:
      number: 3306
      protocol: MYSQL
      name: egressmysql
    captureMode: NONE
    bind: 127.0.0.1
    hosts:
    - "*/mysql.foo.com"
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: registry-only
  namespace: prod-us1
spec:
  outboundTrafficPolicy:
    mode: REGISTRY_ONLY
  egress:
  - hosts:
    - "./*"
    - "istio-system/*"
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: connection-pool
  namespace: prod-us1
spec:
  workloadSelector:
    labels:
      app: productpage
  inboundConnectionPool:
    http:
      http1MaxPendingRequests: 1024
      http2MaxRequests: 1024
      maxRequestsPerConnection: 1024
      maxRetries: 100
  ingress:
  - port:
      number: 80
      protocol: HTTP
      name: somename
    connectionPool:
      http:
        http1MaxPendingRequests: 1024
        http2MaxRequests: 1024
        maxRequestsPerConnection: 1024
        maxRetries: 100
      tcp:
        maxConnections: 100
`;

test('Sidecar: examples from Istio documentation validate', () => {
  assertValid(EXAMPLES);
});

const head = (spec: string) => `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: sc
spec:
${spec}`;
const who = 'Sidecar default/sc:';

const INVALID: InvalidCase[] = [
  { name: 'empty configuration', yaml: head('  workloadSelector: { labels: { app: a } }'), errors: [`${who} spec: empty configuration: set at least one of ingress, egress, outboundTrafficPolicy, inboundConnectionPool`] },
  {
    name: 'egress hosts are required and in namespace/host form',
    yaml: head(`
  egress:
  - port: { number: 80, protocol: HTTP, name: http }
    hosts: []
  - hosts: [reviews.default.svc.cluster.local, "Bad_NS/*", "./reviews", "*/*.svc.*"]`),
    errors: [
      `${who} spec.egress[0].hosts: egress listener must contain at least one host`,
      `${who} spec.egress[1].hosts[0]: host "reviews.default.svc.cluster.local" must be of the form namespace/dnsName (e.g. "*/reviews.default.svc.cluster.local" or "./reviews.default.svc.cluster.local")`,
      `${who} spec.egress[1].hosts[1]: host "Bad_NS/*": invalid namespace "Bad_NS" in sidecar`,
      `${who} spec.egress[1].hosts[2]: host "./reviews": short names (non FQDN) are not allowed`,
      `${who} spec.egress[1].hosts[3]: host "*/*.svc.*": domain name "*.svc.*" invalid (label "*" invalid)`,
    ],
  },
  {
    name: 'at most one egress listener without a port, and it is last',
    yaml: head(`
  egress:
  - hosts: ["./*"]
  - hosts: ["istio-system/*"]
  - port: { number: 9080, protocol: HTTP, name: http }
    hosts: ["./*"]`),
    errors: [
      `${who} spec.egress[0]: the egress listener without a port must be the last listener in the list`,
      `${who} spec.egress[1]: egress can have only one listener without a port (egress[0] is one)`,
    ],
  },
  {
    name: 'ingress ports, defaultEndpoint, tls',
    yaml: head(`
  ingress:
  - port: { number: 9080, protocol: HTTP, name: http, targetPort: 80 }
    defaultEndpoint: 10.1.1.1:8080
  - port: { number: 9080, protocol: HTTP, name: http2 }
    defaultEndpoint: 127.0.0.1:http
    tls: { mode: ISTIO_MUTUAL, httpsRedirect: true }`),
    errors: [
      `${who} spec.ingress[0].port.targetPort: targetPort has no impact on Sidecars`,
      `${who} spec.ingress[0].defaultEndpoint: defaultEndpoint must be of the form 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, [::]:<port> or unix://<path>`,
      `${who} spec.ingress[1].defaultEndpoint: defaultEndpoint port (http) is not a number`,
      `${who} spec.ingress[1].tls.httpsRedirect: httpsRedirect is not supported in sidecar ingress tls`,
      `${who} spec.ingress[1].tls.mode: cannot set mode to ISTIO_MUTUAL in sidecar ingress tls`,
      `${who} spec.ingress[1].port.number: ports on IP bound listeners must be unique: 9080 is used twice`,
    ],
  },
  {
    name: 'outboundTrafficPolicy',
    yaml: head(`
  outboundTrafficPolicy:
    mode: REGISTRY_ONLY
    egressProxy: { host: proxy.example.com, port: { number: 3128 } }`),
    errors: [`${who} spec.outboundTrafficPolicy.egressProxy: egressProxy may be set only with mode ALLOW_ANY`],
  },
  {
    name: 'outboundTrafficPolicy mode enum',
    yaml: head(`
  outboundTrafficPolicy: { mode: ALLOW_ALL }`),
    errors: [`${who} spec.outboundTrafficPolicy.mode: must be one of REGISTRY_ONLY, ALLOW_ANY, got "ALLOW_ALL" (did you mean "ALLOW_ANY"?)`],
  },
];

for (const c of INVALID) test(`Sidecar invalid: ${c.name}`, () => assertInvalid(c));
