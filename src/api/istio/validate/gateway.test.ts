import { test } from 'node:test';
import { assertInvalid, assertValid, type InvalidCase } from './testing.js';

// From Istio's documentation: Bookinfo's gateway, the ingress and secure-ingress tasks,
// the egress gateway task and the Gateway reference page.
const EXAMPLES = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: bookinfo-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 8080
      name: http
      protocol: HTTP
    hosts:
    - "*"
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: httpbin-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - "httpbin.example.com"
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: mygateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 443
      name: https
      protocol: HTTPS
    tls:
      mode: SIMPLE
      credentialName: httpbin-credential
    hosts:
    - httpbin.example.com
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: istio-egressgateway
spec:
  selector:
    istio: egressgateway
  servers:
  - port:
      number: 443
      name: tls
      protocol: TLS
    hosts:
    - edition.cnn.com
    tls:
      mode: PASSTHROUGH
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: my-gateway
  namespace: some-config-namespace
spec:
  selector:
    app: my-gateway-controller
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - uk.bookinfo.com
    - eu.bookinfo.com
    tls:
      httpsRedirect: true
  - port:
      number: 443
      name: https-443
      protocol: HTTPS
    hosts:
    - uk.bookinfo.com
    - eu.bookinfo.com
    tls:
      mode: SIMPLE
      serverCertificate: /etc/certs/servercert.pem
      privateKey: /etc/certs/privatekey.pem
  - port:
      number: 9443
      name: https-9443
      protocol: HTTPS
    hosts:
    - "bookinfo-namespace/*.bookinfo.com"
    tls:
      mode: SIMPLE
      credentialName: bookinfo-secret
  - port:
      number: 9080
      name: http-wildcard
      protocol: HTTP
    hosts:
    - "ns1/*"
    - "ns2/foo.bar.com"
  - port:
      number: 2379
      name: mongo
      protocol: MONGO
    hosts:
    - "*"
`;

test('Gateway: examples from Istio documentation validate', () => {
  assertValid(EXAMPLES);
});

const head = (spec: string) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
spec:
${spec}`;
const who = 'Gateway default/gw:';

const INVALID: InvalidCase[] = [
  { name: 'servers required', yaml: head('  selector: { istio: ingressgateway }'), errors: [`${who} spec.servers: required: a gateway must have at least one server`] },
  {
    name: 'server port and hosts required (shape)',
    yaml: head(`
  servers:
  - tls: { mode: SIMPLE }`),
    errors: [`${who} spec.servers[0].port: required`, `${who} spec.servers[0].hosts: required`],
  },
  {
    name: 'port number, protocol, name, targetPort',
    yaml: head(`
  servers:
  - port: { number: 70000, protocol: HTTPX, targetPort: 8080 }
    hosts: ["*"]`),
    errors: [
      `${who} spec.servers[0].port.protocol: invalid protocol "HTTPX", supported protocols are HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, TLS, TCP, MONGO, REDIS, MYSQL`,
      `${who} spec.servers[0].port.number: port number 70000 must be in the range 1..65535`,
      `${who} spec.servers[0].port.targetPort: targetPort has no impact on Gateways`,
      `${who} spec.servers[0].port.name: port name must be set`,
    ],
  },
  {
    name: 'hosts: ns/host or host, no short names, no partial wildcards',
    yaml: head(`
  servers:
  - port: { number: 80, name: http, protocol: HTTP }
    hosts: []
  - port: { number: 81, name: http2, protocol: HTTP }
    hosts: [reviews, "*bookinfo.com", "Bad_NS/a.com", "./*", "1.2.3.4"]`),
    errors: [
      `${who} spec.servers[0].hosts: server config must contain at least one host`,
      `${who} spec.servers[1].hosts[0]: host "reviews": short names (non FQDN) are not allowed`,
      `${who} spec.servers[1].hosts[1]: host "*bookinfo.com": partial wildcard "*bookinfo.com" not allowed`,
      `${who} spec.servers[1].hosts[2]: host "Bad_NS/a.com": invalid namespace "Bad_NS" in gateway`,
    ],
  },
  {
    name: 'HTTPS and TLS servers need TLS settings and credentials',
    yaml: head(`
  servers:
  - port: { number: 443, name: https, protocol: HTTPS }
    hosts: [a.example.com]
  - port: { number: 8443, name: https-2, protocol: HTTPS }
    hosts: [a.example.com]
    tls: { mode: SIMPLE }
  - port: { number: 9443, name: https-3, protocol: HTTPS }
    hosts: [a.example.com]
    tls: { mode: MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem }
  - port: { number: 15443, name: tls, protocol: TLS }
    hosts: [a.example.com]
    tls: { mode: ISTIO_MUTUAL, credentialName: cred }`),
    errors: [
      `${who} spec.servers[0].tls: required: a server with protocol HTTPS must have TLS settings`,
      `${who} spec.servers[1].tls.serverCertificate: SIMPLE TLS requires a server certificate (or credentialName)`,
      `${who} spec.servers[1].tls.privateKey: SIMPLE TLS requires a private key (or credentialName)`,
      `${who} spec.servers[2].tls.caCertificates: MUTUAL TLS requires a client CA bundle (or credentialName)`,
      `${who} spec.servers[3].tls.credentialName: ISTIO_MUTUAL TLS cannot have an associated credentialName`,
    ],
  },
  {
    name: 'plain text ports with TLS settings',
    yaml: head(`
  servers:
  - port: { number: 80, name: http, protocol: HTTP }
    hosts: [a.example.com]
    tls: { mode: SIMPLE, credentialName: cred }
  - port: { number: 31400, name: tcp, protocol: TCP }
    hosts: [a.example.com]
    tls: { httpsRedirect: true }`),
    errors: [
      `${who} spec.servers[0].tls: server cannot have TLS settings for plain text HTTP ports (only httpsRedirect)`,
      `${who} spec.servers[1].tls: server cannot have TLS settings for non HTTPS/TLS ports`,
    ],
  },
  {
    name: 'port names unique',
    yaml: head(`
  servers:
  - port: { number: 80, name: http, protocol: HTTP }
    hosts: [a.example.com]
  - port: { number: 8080, name: http, protocol: HTTP }
    hosts: [b.example.com]`),
    errors: [`${who} spec.servers[1].port.name: port names in servers must be unique: "http" is also used by servers[0]`],
  },
  {
    name: 'unknown TLS mode with a suggestion',
    yaml: head(`
  servers:
  - port: { number: 443, name: https, protocol: HTTPS }
    hosts: [a.example.com]
    tls: { mode: SIMPEL, credentialName: cred }`),
    errors: [
      `${who} spec.servers[0].tls.mode: must be one of PASSTHROUGH, SIMPLE, MUTUAL, AUTO_PASSTHROUGH, ISTIO_MUTUAL, OPTIONAL_MUTUAL, got "SIMPEL" (did you mean "SIMPLE"?)`,
    ],
  },
];

for (const c of INVALID) test(`Gateway invalid: ${c.name}`, () => assertInvalid(c));
