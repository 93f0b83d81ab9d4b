import { test } from 'node:test';
import { assertInvalid, assertValid, type InvalidCase } from './testing.js';

// Bookinfo's Services (samples/bookinfo/platform/kube/bookinfo.yaml) and a Namespace with
// Istio's injection label.
const EXAMPLES = `
apiVersion: v1
kind: Service
metadata:
  name: details
  labels:
    app: details
    service: details
spec:
  ports:
  - port: 9080
    name: http
  selector:
    app: details
---
apiVersion: v1
kind: Service
metadata:
  name: multi
spec:
  type: ClusterIP
  ports:
  - { name: http, port: 80, targetPort: 8080, protocol: TCP, appProtocol: http }
  - { name: grpc, port: 9090, targetPort: grpc-port }
  selector: { app: multi }
---
apiVersion: v1
kind: Service
metadata:
  name: headless
spec:
  clusterIP: None
  selector: { app: db }
---
apiVersion: v1
kind: Namespace
metadata:
  name: bookinfo
  labels:
    istio-injection: enabled
`;

test('core kinds: Bookinfo Services and a Namespace validate', () => {
  assertValid(EXAMPLES);
});

const svc = (spec: string) => `
apiVersion: v1
kind: Service
metadata:
  name: s
spec:
${spec}`;
const who = 'Service default/s:';

const INVALID: InvalidCase[] = [
  {
    name: 'ports: range, unique DNS-label names when several',
    yaml: svc(`
  ports:
  - { port: 0 }
  - { name: HTTP, port: 80 }
  - { name: web, port: 80, targetPort: "not_a_name" }
  - { name: web, port: 81 }
  selector: { app: 1 }`),
    errors: [`${who} spec.selector[app]: must be a string, got 1 (quote it in YAML)`],
  },
  {
    name: 'ports semantics',
    yaml: svc(`
  ports:
  - { port: 0 }
  - { name: HTTP, port: 80 }
  - { name: web, port: 80, targetPort: "not_a_name" }
  - { name: web, port: 81 }`),
    errors: [
      `${who} spec.ports[0].name: required when a Service has more than one port`,
      `${who} spec.ports[0].port: port number 0 must be in the range 1..65535`,
      `${who} spec.ports[1].name: "HTTP" is not a valid port name: lower-case letters, digits and '-', at most 63 characters`,
      `${who} spec.ports[2].port: duplicate port 80/TCP`,
      `${who} spec.ports[2].targetPort: "not_a_name" is neither a port number nor a valid port name (at most 15 lower-case letters, digits and '-')`,
      `${who} spec.ports[3].name: duplicate port name "web"`,
    ],
  },
  {
    name: 'a Service needs ports (unless headless or ExternalName)',
    yaml: svc('  selector: { app: a }'),
    errors: [`${who} spec.ports: required: a Service of type ClusterIP must have at least one port`],
  },
  {
    name: 'unknown fields and enums',
    yaml: svc(`
  ports: [{ port: 80, protocl: TCP }]
  type: Internal`),
    errors: [
      `${who} spec.ports[0].protocl: unknown field "protocl"; did you mean "protocol"?`,
      `${who} spec.type: must be one of ClusterIP, NodePort, LoadBalancer, ExternalName, got "Internal"`,
    ],
  },
  {
    name: 'Namespace spec has only finalizers',
    yaml: `
apiVersion: v1
kind: Namespace
metadata:
  name: ns
spec:
  finalizer: [kubernetes]`,
    errors: ['Namespace ns: spec.finalizer: unknown field "finalizer"; did you mean "finalizers"?'],
  },
];

for (const c of INVALID) test(`core invalid: ${c.name}`, () => assertInvalid(c));
