// Telemetry: per-workload or per-namespace tracing, metrics and access logging —
// provider references, sampling percentages, custom tags and metric overrides.
import type { ErrorCollector } from '../../../shared/result.js';
import type { Resource } from '../meta.js';
import type { TelemetrySpec } from '../telemetry.js';
import { checkPolicyTargets, each } from './common.js';
import { bool, double, duration, enumOf, list, map, object, parseSpec, string } from './shape.js';
import { MatchLabelsSelector, PolicyTargetReference, ProviderRef } from './shapes.js';

const Mode = enumOf('CLIENT_AND_SERVER', 'CLIENT', 'SERVER');

const METRICS = [
  'ALL_METRICS', 'REQUEST_COUNT', 'REQUEST_DURATION', 'REQUEST_SIZE', 'RESPONSE_SIZE', 'TCP_OPENED_CONNECTIONS', 'TCP_CLOSED_CONNECTIONS',
  'TCP_SENT_BYTES', 'TCP_RECEIVED_BYTES', 'GRPC_REQUEST_MESSAGES', 'GRPC_RESPONSE_MESSAGES',
];

const TelemetryShape = object({
  selector: MatchLabelsSelector,
  targetRef: PolicyTargetReference,
  targetRefs: list(PolicyTargetReference),
  tracing: list(
    object({
      match: object({ mode: Mode }),
      providers: list(ProviderRef),
      randomSamplingPercentage: double,
      disableSpanReporting: bool,
      customTags: map(
        object(
          {
            literal: object({ value: string }, { required: ['value'] }),
            environment: object({ name: string, defaultValue: string }, { required: ['name'] }),
            header: object({ name: string, defaultValue: string }, { required: ['name'] }),
            formatter: object({ value: string }, { required: ['value'] }),
          },
          { oneofs: [['literal', 'environment', 'header', 'formatter']] },
        ),
      ),
      useRequestIdForTraceSampling: bool,
      enableIstioTags: bool,
    }),
  ),
  metrics: list(
    object({
      providers: list(ProviderRef),
      overrides: list(
        object({
          match: object({ metric: enumOf(...METRICS), customMetric: string, mode: Mode }, { oneofs: [['metric', 'customMetric']] }),
          disabled: bool,
          tagOverrides: map(object({ operation: enumOf('UPSERT', 'REMOVE'), value: string })),
        }),
      ),
      reportingInterval: duration,
    }),
  ),
  accessLogging: list(object({ match: object({ mode: Mode }), providers: list(ProviderRef), disabled: bool, filter: object({ expression: string }) })),
});

type CustomTag = { literal?: { value: string }; environment?: { name: string }; header?: { name: string }; formatter?: { value: string } };

function checkProviders(e: ErrorCollector, field: string, providers: readonly { name: string }[] | undefined): void {
  each(providers, e, field, (p, pe) => {
    if (!p.name) pe.add('name', 'providers.name may not be empty');
  });
}

export function validateTelemetry(spec: unknown, e: ErrorCollector, resource: Resource): void {
  const t = parseSpec<TelemetrySpec>(spec, TelemetryShape, e, resource);
  if (!t) return;
  checkPolicyTargets(e, t);
  each(t.tracing, e, 'tracing', (tr, te) => {
    checkProviders(te, 'providers', tr.providers);
    const pct = tr.randomSamplingPercentage;
    if (pct !== undefined && (pct < 0 || pct > 100)) te.add('randomSamplingPercentage', `must be in range [0.0, 100.0], got ${pct}`);
    for (const [name, tag] of Object.entries((tr.customTags ?? {}) as Record<string, CustomTag>)) {
      const at = `customTags[${name}]`;
      if (name === '') te.add('customTags', 'tag name may not be empty');
      if (!tag.literal && !tag.environment && !tag.header && !tag.formatter) te.add(at, 'must set one of literal, environment, header, formatter');
      if (tag.literal?.value === '') te.add(`${at}.literal.value`, 'literal tag value may not be empty');
      if (tag.header?.name === '') te.add(`${at}.header.name`, 'header tag name may not be empty');
      if (tag.environment?.name === '') te.add(`${at}.environment.name`, 'environment tag name may not be empty');
      if (tag.formatter?.value === '') te.add(`${at}.formatter.value`, 'formatter tag value may not be empty');
    }
  });
  each(t.metrics, e, 'metrics', (m, me) => {
    checkProviders(me, 'providers', m.providers);
    each(m.overrides, me, 'overrides', (o, oe) => {
      if (o.match?.customMetric === '') oe.add('match.customMetric', 'customMetric may not be empty');
      for (const [tag, to] of Object.entries(o.tagOverrides ?? {})) {
        const at = `tagOverrides[${tag}]`;
        if ((to.operation ?? 'UPSERT') === 'UPSERT' && !to.value) oe.add(`${at}.value`, 'tagOverrides.value must be set when operation is UPSERT');
        if (to.operation === 'REMOVE' && to.value) oe.add(`${at}.value`, 'tagOverrides.value may only be set when operation is UPSERT');
      }
    });
  });
  each(t.accessLogging, e, 'accessLogging', (a, ae) => checkProviders(ae, 'providers', a.providers));
}
