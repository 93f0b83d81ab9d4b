// Cross-resource analysis, like `istioctl analyze`: each message has a stable code, a
// severity and the resource it is about. Pure: (resources, registry view, mesh) → messages.
import type { Resource, ResourceKey } from '../../api/istio/meta.js';
import { describeKey, keyOf, matchLabels } from '../../api/istio/meta.js';
import type { DestinationRuleSpec, GatewaySpec, VirtualServiceSpec, HTTPRoute, Destination } from '../../api/istio/networking.js';
import type { PushContext } from '../snapshot/push-context.js';
import { hostMatches, resolveShortName } from '../snapshot/hosts.js';

export type Severity = 'Error' | 'Warning' | 'Info';

export interface AnalysisMessage {
  code: string;
  name: string;
  severity: Severity;
  resource: ResourceKey;
  message: string;
}

/** Message kinds, with Istio's codes where Istio has the same check. */
export const CODES = {
  ReferencedResourceNotFound: { code: 'IST0101', severity: 'Error' },
  ConflictingMeshGatewayVirtualServiceHosts: { code: 'IST0109', severity: 'Error' },
  DestinationRuleSubsetNotSelectPods: { code: 'IST0173', severity: 'Warning' },
  GatewaySelectorNotFound: { code: 'IST0101', severity: 'Error' },
  NamespaceNotInjected: { code: 'IST0102', severity: 'Info' },
  AcceptedNotEnforced: { code: 'RIG0001', severity: 'Info' },
} as const satisfies Record<string, { code: string; severity: Severity }>;

type Name = keyof typeof CODES;

export interface AnalysisInput {
  resources: readonly Resource[];
  push: PushContext;
  /** Optional: fields set but not yet acted on (from src/api/istio/not-enforced.ts). */
  notEnforced?: (r: Resource) => string[];
}

export function analyze(input: AnalysisInput): AnalysisMessage[] {
  const out: AnalysisMessage[] = [];
  const add = (name: Name, r: Resource, message: string) => out.push({ code: CODES[name].code, name, severity: CODES[name].severity, resource: keyOf(r), message });
  const { push } = input;
  const domain = push.mesh.clusterDomain;
  const vss = input.resources.filter((r) => r.kind === 'VirtualService') as Resource<VirtualServiceSpec>[];
  const drs = input.resources.filter((r) => r.kind === 'DestinationRule') as Resource<DestinationRuleSpec>[];
  const gateways = input.resources.filter((r) => r.kind === 'Gateway') as Resource<GatewaySpec>[];
  const hostKnown = (host: string) => push.allServices().some((s) => hostMatches(host, s.hostname) || hostMatches(s.hostname, host));

  // Destinations and subsets referenced by VirtualServices.
  for (const vs of vss) {
    const ns = vs.metadata.namespace ?? 'default';
    const check = (d: Destination | undefined, where: string) => {
      if (!d?.host) return;
      const host = resolveShortName(d.host, ns, domain);
      if (!hostKnown(host)) {
        add('ReferencedResourceNotFound', vs, `${where}: referenced host not found: "${d.host}" (no Service or ServiceEntry defines ${host})`);
        return;
      }
      if (d.subset) {
        const defined = drs.some((dr) => {
          const drHost = resolveShortName(dr.spec.host, dr.metadata.namespace ?? 'default', domain);
          return hostMatches(drHost, host) && (dr.spec.subsets ?? []).some((s) => s.name === d.subset);
        });
        if (!defined) add('ReferencedResourceNotFound', vs, `${where}: referenced host+subset in destinationrule not found: "${host}+${d.subset}"`);
      }
    };
    (vs.spec.http ?? []).forEach((h: HTTPRoute, i) => {
      (h.route ?? []).forEach((r, j) => check(r.destination, `spec.http[${i}].route[${j}].destination`));
      if (h.mirror) check(h.mirror, `spec.http[${i}].mirror`);
      (h.mirrors ?? []).forEach((m, j) => check(m.destination, `spec.http[${i}].mirrors[${j}].destination`));
    });
    for (const kind of ['tcp', 'tls'] as const) (vs.spec[kind] ?? []).forEach((t, i) => (t.route ?? []).forEach((r, j) => check(r.destination, `spec.${kind}[${i}].route[${j}].destination`)));
    for (const g of vs.spec.gateways ?? []) {
      if (g === 'mesh') continue;
      const [gns, gname] = g.includes('/') ? g.split('/', 2) : [ns, g];
      if (!gateways.some((x) => x.metadata.name === gname && (x.metadata.namespace ?? 'default') === gns)) {
        add('ReferencedResourceNotFound', vs, `spec.gateways: referenced gateway not found: "${gns}/${gname}"`);
      }
    }
  }

  // Two VirtualServices for one host (mesh-bound).
  const byHost = new Map<string, Resource[]>();
  for (const vs of vss) {
    const gws = vs.spec.gateways?.length ? vs.spec.gateways : ['mesh'];
    if (!gws.includes('mesh')) continue;
    for (const h of vs.spec.hosts ?? []) {
      const host = resolveShortName(h, vs.metadata.namespace ?? 'default', domain);
      byHost.set(host, [...(byHost.get(host) ?? []), vs]);
    }
  }
  for (const [host, list] of byHost) {
    if (list.length < 2) continue;
    const names = list.map((r) => `${r.metadata.namespace}/${r.metadata.name}`).join(', ');
    for (const vs of list) add('ConflictingMeshGatewayVirtualServiceHosts', vs, `the VirtualServices ${names} associated with mesh define the same host ${host}, which can lead to undefined behavior; merge them into one`);
  }

  // Gateways whose selector matches no gateway workload.
  const workloads = new Set<string>();
  for (const s of push.allServices()) for (const p of s.ports) for (const e of push.endpoints(s.hostname, p.port)) workloads.add(JSON.stringify(e.labels));
  const labelSets = [...workloads].map((w) => JSON.parse(w) as Record<string, string>);
  for (const gw of gateways) {
    const sel = gw.spec.selector ?? {};
    if (!labelSets.some((l) => matchLabels(sel, l))) add('GatewaySelectorNotFound', gw, `spec.selector: referenced selector not found: "${Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',')}" (no gateway workload has these labels)`);
  }

  // DestinationRule subsets that select no endpoint.
  for (const dr of drs) {
    const host = resolveShortName(dr.spec.host, dr.metadata.namespace ?? 'default', domain);
    const services = push.allServices().filter((s) => hostMatches(host, s.hostname));
    if (services.length === 0) continue;
    const eps = services.flatMap((s) => s.ports.flatMap((p) => push.endpoints(s.hostname, p.port)));
    if (eps.length === 0) continue;
    (dr.spec.subsets ?? []).forEach((s, i) => {
      if (!eps.some((e) => matchLabels(s.labels, e.labels))) add('DestinationRuleSubsetNotSelectPods', dr, `spec.subsets[${i}]: subset "${s.name}" selects no pods of ${host} (labels ${JSON.stringify(s.labels ?? {})})`);
    });
  }

  if (input.notEnforced) for (const r of input.resources) for (const f of input.notEnforced(r)) add('AcceptedNotEnforced', r, `${f}: accepted, not enforced yet`);

  const rank: Record<Severity, number> = { Error: 0, Warning: 1, Info: 2 };
  return out.sort((a, b) => rank[a.severity] - rank[b.severity] || describeKey(a.resource).localeCompare(describeKey(b.resource)) || a.message.localeCompare(b.message));
}

/** `Error [IST0101] (VirtualService default/reviews) spec.http[0]...` as istioctl prints it. */
export function formatMessage(m: AnalysisMessage): string {
  return `${m.severity} [${m.code}] (${describeKey(m.resource)}) ${m.message}`;
}
