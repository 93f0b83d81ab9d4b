import { test } from 'node:test';
import { assertInvalid, assertValid, type InvalidCase } from './testing.js';

// From Istio's documentation: egress tasks and the ServiceEntry / WorkloadEntry reference.
const EXAMPLES = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: cnn
spec:
  hosts:
  - edition.cnn.com
  ports:
  - number: 80
    name: http-port
    protocol: HTTP
  - number: 443
    name: https
    protocol: HTTPS
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: httpbin-ext
spec:
  hosts:
  - httpbin.org
  ports:
  - number: 80
    name: http
    protocol: HTTP
  resolution: DNS
  location: MESH_EXTERNAL
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: wikipedia
spec:
  hosts:
  - "*.wikipedia.org"
  ports:
  - number: 443
    name: https
    protocol: HTTPS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: external-svc-mongocluster
spec:
  hosts:
  - mymongodb.somedomain
  addresses:
  - 192.192.192.192/24
  ports:
  - number: 27018
    name: mongodb
    protocol: MONGO
  location: MESH_INTERNAL
  resolution: STATIC
  endpoints:
  - address: 2.2.2.2
  - address: 3.3.3.3
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: details-svc
spec:
  hosts:
  - details.bookinfo.com
  location: MESH_INTERNAL
  ports:
  - number: 80
    name: http
    protocol: HTTP
    targetPort: 8080
  resolution: STATIC
  workloadSelector:
    labels:
      app: details-legacy
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: external-svc-dns
spec:
  hosts:
  - foo.bar.com
  location: MESH_EXTERNAL
  ports:
  - number: 443
    name: https
    protocol: HTTPS
  resolution: DNS
  endpoints:
  - address: us.foo.bar.com
    ports:
      https: 8443
  - address: uk.foo.bar.com
    ports:
      https: 9443
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: details-svc
spec:
  serviceAccount: details-legacy
  address: 2.2.2.2
  labels:
    app: details-legacy
    instance-id: vm1
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: details-svc-dns
spec:
  serviceAccount: details-legacy
  address: vm1.vpc01.corp.net
  ports:
    http: 8080
  labels:
    app: details-legacy
`;

test('ServiceEntry and WorkloadEntry: examples from Istio documentation validate', () => {
  assertValid(EXAMPLES);
});

const se = (spec: string) => `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ext
spec:
${spec}`;
const we = (spec: string) => `
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: vm
spec:
${spec}`;
const SE = 'ServiceEntry default/ext:';
const WE = 'WorkloadEntry default/vm:';

const INVALID: InvalidCase[] = [
  { name: 'hosts required', yaml: se('  ports: [{ number: 80, name: http }]'), errors: [`${SE} spec.hosts: required`] },
  {
    name: 'hosts: no *, no wildcard with DNS resolution and no endpoints',
    yaml: se(`
  hosts: ["*", "*.example.com"]
  ports: [{ number: 443, name: https, protocol: HTTPS }]
  resolution: DNS`),
    errors: [
      `${SE} spec.hosts[0]: invalid host *`,
      `${SE} spec.hosts[0]: hosts must be FQDN if no endpoints are provided for resolution mode DNS, got "*"`,
      `${SE} spec.hosts[1]: hosts must be FQDN if no endpoints are provided for resolution mode DNS, got "*.example.com"`,
    ],
  },
  {
    name: 'ports: unique numbers and names, valid protocol',
    yaml: se(`
  hosts: [a.example.com]
  ports:
  - { number: 80, name: http, protocol: HTTP }
  - { number: 80, name: http, protocol: HTTPZ }
  - { number: 0, name: "Bad_Name" }`),
    errors: [
      `${SE} spec.ports[1].name: service entry port name "http" already defined`,
      `${SE} spec.ports[1].number: service entry port 80 already defined`,
      `${SE} spec.ports[1].protocol: unsupported protocol: HTTPZ`,
      `${SE} spec.ports[2].name: invalid port name: "Bad_Name"`,
      `${SE} spec.ports[2].number: port number 0 must be in the range 1..65535`,
    ],
  },
  {
    name: 'STATIC needs endpoints or a workloadSelector; endpoints use declared port names and IPs',
    yaml: se(`
  hosts: [a.example.com]
  ports: [{ number: 80, name: http }]
  resolution: STATIC`),
    errors: [`${SE} spec.endpoints: resolution STATIC requires endpoints or a workloadSelector`],
  },
  {
    name: 'STATIC endpoints',
    yaml: se(`
  hosts: [a.example.com]
  ports: [{ number: 80, name: http }]
  resolution: STATIC
  endpoints:
  - address: vm.example.com
    ports: { grpc: 9090 }
  - ports: { http: 8080 }`),
    errors: [
      `${SE} spec.endpoints[0].address: endpoint address "vm.example.com" is not a valid IP address`,
      `${SE} spec.endpoints[0].ports[grpc]: endpoint port "grpc" is not defined by the service entry (ports: http)`,
      `${SE} spec.endpoints[1].address: required (unless network is set)`,
    ],
  },
  {
    name: 'NONE with endpoints',
    yaml: se(`
  hosts: [a.example.com]
  addresses: [10.0.0.0/8]
  resolution: NONE
  endpoints: [{ address: 1.1.1.1 }]`),
    errors: [`${SE} spec.endpoints: no endpoints should be provided for resolution type NONE`],
  },
  {
    name: 'resolution and location enums',
    yaml: se(`
  hosts: [a.example.com]
  resolution: DNS_RR
  location: EXTERNAL`),
    errors: [
      `${SE} spec.resolution: must be one of NONE, STATIC, DNS, DNS_ROUND_ROBIN, got "DNS_RR"`,
      `${SE} spec.location: must be one of MESH_EXTERNAL, MESH_INTERNAL, got "EXTERNAL"`,
    ],
  },
  {
    name: 'CIDR only with NONE/STATIC; several hosts need HTTP or TLS ports',
    yaml: se(`
  hosts: [a.example.com, b.example.com]
  addresses: [10.0.0.0/8, 300.1.1.1]
  ports: [{ number: 5432, name: tcp, protocol: TCP }]
  resolution: DNS`),
    errors: [
      `${SE} spec.addresses[1]: 300.1.1.1 is not a valid IP`,
      `${SE} spec.addresses: CIDR addresses are allowed only for NONE/STATIC resolution types`,
      `${SE} spec.hosts: multiple hosts provided with non-HTTP, non-TLS port "tcp" (protocol TCP)`,
    ],
  },
  {
    name: 'workloadSelector and endpoints together',
    yaml: se(`
  hosts: [a.example.com]
  resolution: STATIC
  workloadSelector: { labels: { app: vm } }
  endpoints: [{ address: 1.1.1.1 }]`),
    errors: [`${SE} spec.endpoints: only one of workloadSelector or endpoints is allowed in a ServiceEntry`],
  },
  {
    name: 'WorkloadEntry: address or network required',
    yaml: we('  labels: { app: vm }'),
    errors: [`${WE} spec.address: required (unless network is set)`],
  },
  {
    name: 'WorkloadEntry: address, ports, labels',
    yaml: we(`
  address: "not an address!"
  ports: { http: 0, "Bad Name": 80 }
  labels: { app: "a b" }`),
    errors: [
      `${WE} spec.address: endpoint address "not an address!" is not a valid FQDN or an IP address`,
      `${WE} spec.ports[http]: port number 0 must be in the range 1..65535`,
      `${WE} spec.ports[Bad Name]: invalid port name: Bad Name`,
      `${WE} spec.labels[app]: invalid label value "a b"`,
    ],
  },
  {
    name: 'WorkloadEntry: unix sockets take no ports',
    yaml: we(`
  address: unix:///var/run/app.sock
  ports: { http: 80 }`),
    errors: [`${WE} spec.ports: unix endpoint unix:///var/run/app.sock must not include ports`],
  },
];

for (const c of INVALID) test(`ServiceEntry/WorkloadEntry invalid: ${c.name}`, () => assertInvalid(c));

test('WorkloadEntry: network without an address is accepted', () => {
  assertValid(we('  network: vpc1\n  labels: { app: vm }'));
});
