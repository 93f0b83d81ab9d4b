import { test } from 'node:test';
import { assertInvalid, assertValid, type InvalidCase } from './testing.js';

// From Istio's Telemetry API tasks and reference page.
const EXAMPLES = `
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: mesh-default
  namespace: istio-system
spec:
  accessLogging:
    - providers:
      - name: envoy
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: mesh-tracing
  namespace: istio-system
spec:
  tracing:
  - providers:
    - name: localtrace
    customTags:
      foo:
        literal:
          value: bar
      clusterId:
        environment:
          name: ISTIO_META_CLUSTER_ID
      user-agent:
        header:
          name: User-Agent
          defaultValue: unknown
    randomSamplingPercentage: 100
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: namespace-metrics
  namespace: bookinfo
spec:
  metrics:
  - providers:
    - name: prometheus
    overrides:
    - match:
        metric: REQUEST_COUNT
        mode: CLIENT_AND_SERVER
      tagOverrides:
        request_host:
          value: "request.host"
    - match:
        metric: ALL_METRICS
      tagOverrides:
        grpc_response_status:
          operation: REMOVE
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: disable-logs
  namespace: istio-system
spec:
  selector:
    matchLabels:
      service.istio.io/canonical-name: productpage
  accessLogging:
  - providers:
    - name: otel
    filter:
      expression: response.code >= 400
  metrics:
  - overrides:
    - match:
        metric: ALL_METRICS
        mode: CLIENT
      disabled: true
`;

test('Telemetry: examples from Istio documentation validate', () => {
  assertValid(EXAMPLES);
});

const head = (spec: string) => `
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: t
spec:
${spec}`;
const who = 'Telemetry default/t:';

const INVALID: InvalidCase[] = [
  {
    name: 'providers need names, percentages in range',
    yaml: head(`
  tracing:
  - providers: [{ name: "" }]
    randomSamplingPercentage: 150`),
    errors: [
      `${who} spec.tracing[0].providers[0].name: providers.name may not be empty`,
      `${who} spec.tracing[0].randomSamplingPercentage: must be in range [0.0, 100.0], got 150`,
    ],
  },
  {
    name: 'provider without a name (shape)',
    yaml: head(`
  accessLogging:
  - providers: [{}]`),
    errors: [`${who} spec.accessLogging[0].providers[0].name: required`],
  },
  {
    name: 'custom tags and tag overrides',
    yaml: head(`
  tracing:
  - customTags:
      a: {}
      b: { literal: { value: "" } }
  metrics:
  - overrides:
    - match: { customMetric: "" }
      tagOverrides:
        x: { operation: UPSERT }
        y: { operation: REMOVE, value: z }`),
    errors: [
      `${who} spec.tracing[0].customTags[a]: must set one of literal, environment, header, formatter`,
      `${who} spec.tracing[0].customTags[b].literal.value: literal tag value may not be empty`,
      `${who} spec.metrics[0].overrides[0].match.customMetric: customMetric may not be empty`,
      `${who} spec.metrics[0].overrides[0].tagOverrides[x].value: tagOverrides.value must be set when operation is UPSERT`,
      `${who} spec.metrics[0].overrides[0].tagOverrides[y].value: tagOverrides.value may only be set when operation is UPSERT`,
    ],
  },
  {
    name: 'metric enum',
    yaml: head(`
  metrics:
  - overrides:
    - match: { metric: REQUEST_COUNTS }`),
    errors: [
      `${who} spec.metrics[0].overrides[0].match.metric: must be one of ALL_METRICS, REQUEST_COUNT, REQUEST_DURATION, REQUEST_SIZE, RESPONSE_SIZE, TCP_OPENED_CONNECTIONS, TCP_CLOSED_CONNECTIONS, TCP_SENT_BYTES, TCP_RECEIVED_BYTES, GRPC_REQUEST_MESSAGES, GRPC_RESPONSE_MESSAGES, got "REQUEST_COUNTS" (did you mean "REQUEST_COUNT"?)`,
    ],
  },
];

for (const c of INVALID) test(`Telemetry invalid: ${c.name}`, () => assertInvalid(c));
