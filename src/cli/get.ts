// `rig get`: lists pods, services, namespaces and any config kind, with kubectl's columns;
// `-o json|yaml` gives Kubernetes-shaped objects.
import { stringify } from 'yaml';
import type { Command } from './command.js';
import type { Resource } from '../api/istio/meta.js';
import { resolveKindName, type KindInfo } from '../api/istio/kinds.js';
import { connectPlatform, PlatformError, type Platform } from '../platform/local/client.js';
import { ControlPlaneError } from '../platform/local/control-plane.js';
import { displayStatus, readyCount, restarts, toKubePod, type PodRecord } from '../platform/local/pod.js';
import { age, labelText, table } from '../platform/local/table.js';
import { INGRESS, SYSTEM_NAMESPACE } from '../platform/local/install.js';
import { deploymentStatus } from '../platform/local/workloads.js';
import type { DeploymentSpec } from '../api/istio/validate/workloads.js';

type Row = { namespace: string; name: string; labels: Record<string, string> | undefined; cells: string[]; object: Record<string, unknown> };

const POD_NAMES = new Set(['pods', 'pod', 'po']);

export const getCommand: Command = {
  name: 'get',
  summary: 'List pods, services, namespaces or any config kind (virtualservices, gateways, …)',
  usage: 'rig get TYPE [NAME] [-n NS | -A] [-o wide|json|yaml|name] [--show-labels] [-l SELECTOR]',
  examples: [
    'rig get pods',
    'rig get pods -n rig-system -o wide',
    'rig get svc -n rig-system',
    'rig get namespaces --show-labels',
    'rig get virtualservices -A',
    'rig get vs,dr,gw -n bookinfo',
    'rig get pod reviews-v1 -o yaml',
    'rig get deployments',
    'rig get sa',
  ],
  flags: [
    { name: 'namespace', short: 'n', type: 'string', default: 'default', description: 'namespace' },
    { name: 'all-namespaces', short: 'A', type: 'boolean', description: 'every namespace' },
    { name: 'output', short: 'o', type: 'string', description: 'wide, json, yaml or name' },
    { name: 'show-labels', type: 'boolean', description: 'add a LABELS column' },
    { name: 'selector', short: 'l', type: 'string', description: 'label selector, e.g. app=reviews,version=v1' },
  ],
  async run(args) {
    const [type, name] = args.positional;
    if (!type) {
      process.stderr.write('error: give a TYPE, e.g. `rig get pods`, `rig get svc`, `rig get virtualservices`\n');
      return 1;
    }
    const output = args.flags.output as string | undefined;
    if (output && !['wide', 'json', 'yaml', 'name'].includes(output)) {
      process.stderr.write(`error: unknown output format "${output}"; use wide, json, yaml or name\n`);
      return 1;
    }
    // `rig get vs,gw`: each type's table in turn, as kubectl prints them.
    const types = type.split(',').filter(Boolean);
    if (types.length > 1) {
      if (output === 'json' || output === 'yaml') {
        process.stderr.write(`error: -o ${output} takes one type at a time; run \`rig get TYPE -o ${output}\` for each\n`);
        return 1;
      }
      let code = 0;
      for (const [i, t] of types.entries()) {
        if (i > 0) process.stdout.write('\n');
        code = Math.max(code, await getCommand.run({ ...args, positional: [t, ...args.positional.slice(1)] }));
      }
      return code;
    }
    let platform: Platform;
    try {
      platform = connectPlatform();
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      return 1;
    }
    const all = args.flags['all-namespaces'] === true;
    const ns = args.flags.namespace as string;
    const info = POD_NAMES.has(type.toLowerCase()) ? undefined : resolveKindName(type);
    if (!POD_NAMES.has(type.toLowerCase()) && !info) {
      process.stderr.write(`error: the server doesn't have a resource type "${type}"; try pods, deployments, services, serviceaccounts, namespaces, virtualservices, destinationrules, gateways, serviceentries, …\n`);
      return 1;
    }
    let header: string[];
    let rows: Row[];
    let kindName: string;
    try {
      if (!info) {
        kindName = 'pods';
        ({ header, rows } = await podRows(platform, all ? undefined : ns, output === 'wide'));
      } else {
        kindName = info.plural;
        ({ header, rows } = await resourceRows(platform, info, info.namespaced && !all ? ns : undefined, output === 'wide'));
      }
    } catch (err) {
      if (err instanceof PlatformError || err instanceof ControlPlaneError) {
        process.stderr.write(`error: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    const selector = args.flags.selector as string | undefined;
    if (selector) rows = rows.filter((r) => matches(selector, r.labels ?? {}));
    const namespaced = !info || info.namespaced;
    if (name) {
      rows = rows.filter((r) => r.name === name);
      if (rows.length === 0) {
        process.stderr.write(`Error from server (NotFound): ${kindName} "${name}" not found${namespaced && !all ? ` in namespace ${ns}` : ''}\n`);
        return 1;
      }
    }
    if (output === 'json' || output === 'yaml') {
      const doc = name && rows.length === 1 ? rows[0]!.object : { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items: rows.map((r) => r.object) };
      process.stdout.write(output === 'json' ? JSON.stringify(doc, null, 2) + '\n' : stringify(doc));
      return 0;
    }
    if (output === 'name') {
      process.stdout.write(rows.map((r) => `${info ? info.singular : 'pod'}/${r.name}\n`).join(''));
      return 0;
    }
    if (rows.length === 0) {
      process.stderr.write(namespaced && !all ? `No resources found in ${ns} namespace.\n` : 'No resources found\n');
      return 0;
    }
    const showLabels = args.flags['show-labels'] === true;
    const withNs = namespaced && all;
    const h = [...(withNs ? ['NAMESPACE'] : []), ...header, ...(showLabels ? ['LABELS'] : [])];
    process.stdout.write(table(h, rows.map((r) => [...(withNs ? [r.namespace] : []), ...r.cells, ...(showLabels ? [labelText(r.labels)] : [])])));
    return 0;
  },
};

function matches(selector: string, labels: Record<string, string>): boolean {
  return selector
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .every((t) => {
      const ne = t.split('!=');
      if (ne.length === 2) return labels[ne[0]!.trim()] !== ne[1]!.trim();
      const eq = t.split(/==?/);
      if (eq.length === 2) return labels[eq[0]!.trim()] === eq[1]!.trim();
      if (t.startsWith('!')) return !(t.slice(1) in labels);
      return t in labels;
    });
}

async function podRows(p: Platform, namespace: string | undefined, wide: boolean): Promise<{ header: string[]; rows: Row[] }> {
  const pods = await p.supervisor.pods(namespace);
  return {
    header: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', ...(wide ? ['IP', 'NODE'] : [])],
    rows: pods.map((pod: PodRecord) => ({
      namespace: pod.spec.namespace,
      name: pod.spec.name,
      labels: pod.spec.labels,
      cells: [pod.spec.name, readyCount(pod), displayStatus(pod), String(restarts(pod)), age(pod.creationTimestamp), ...(wide ? [pod.status.podIP, 'local'] : [])],
      object: toKubePod(pod),
    })),
  };
}

function isIngressService(p: Platform, r: Resource): boolean {
  return r.metadata.namespace === SYSTEM_NAMESPACE && r.metadata.name === INGRESS && !!p.state.ingress;
}

async function resourceRows(p: Platform, info: KindInfo, namespace: string | undefined, wide: boolean): Promise<{ header: string[]; rows: Row[] }> {
  const items = (await p.controlPlane.list(info, namespace)).sort((a, b) => ((a.metadata.namespace ?? '') + '/' + a.metadata.name < (b.metadata.namespace ?? '') + '/' + b.metadata.name ? -1 : 1));
  const base = (r: Resource, cells: string[], object: Record<string, unknown> = r as unknown as Record<string, unknown>): Row => ({
    namespace: r.metadata.namespace ?? '',
    name: r.metadata.name,
    labels: r.metadata.labels,
    cells: [r.metadata.name, ...cells],
    object,
  });
  const spec = (r: Resource) => (r.spec ?? {}) as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) && v.length ? v.map(String).join(',') : '');
  switch (info.kind) {
    case 'Service': {
      const vips = await p.controlPlane.serviceAddresses().catch(() => new Map<string, string[]>());
      return {
        header: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', ...(wide ? ['SELECTOR'] : [])],
        rows: items.map((r) => {
          const s = spec(r) as { type?: string; clusterIP?: string; selector?: Record<string, string>; ports?: { port: number; protocol?: string; name?: string; targetPort?: number | string }[] };
          const type = s.type ?? 'ClusterIP';
          const clusterIP = s.clusterIP || vips.get(`${r.metadata.namespace}/${r.metadata.name}`)?.[0] || '<none>';
          const ingress = isIngressService(p, r);
          const external = ingress ? p.state.ingress!.address : type === 'LoadBalancer' ? '<pending>' : '<none>';
          const ports = (s.ports ?? []).map((x) => `${x.port}/${x.protocol ?? 'TCP'}`).join(',') || '<none>';
          const object = {
            ...r,
            spec: { ...s, type, clusterIP, clusterIPs: clusterIP === '<none>' ? [] : [clusterIP], ports: (s.ports ?? []).map((x) => ({ ...x, protocol: x.protocol ?? 'TCP', targetPort: x.targetPort ?? x.port })) },
            status: { loadBalancer: ingress ? { ingress: [{ ip: p.state.ingress!.address }] } : {} },
          };
          return base(r, [type, clusterIP, external, ports, age(r.metadata.creationTimestamp), ...(wide ? [s.selector ? labelText(s.selector) : '<none>'] : [])], object);
        }),
      };
    }
    case 'Deployment': {
      const pods = await p.supervisor.pods(namespace);
      return {
        header: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', ...(wide ? ['CONTAINERS', 'IMAGES', 'SELECTOR'] : [])],
        rows: items.map((r) => {
          const st = deploymentStatus(r, pods);
          const d = spec(r) as unknown as DeploymentSpec;
          const cs = d.template?.spec?.containers ?? [];
          const wideCells = wide ? [cs.map((c) => c.name).join(','), cs.map((c) => c.image ?? '').join(','), labelText(d.selector?.matchLabels ?? {})] : [];
          return base(r, [`${st.readyReplicas}/${d.replicas ?? 1}`, String(st.updatedReplicas), String(st.availableReplicas), age(r.metadata.creationTimestamp), ...wideCells], { ...r, status: st });
        }),
      };
    }
    case 'ServiceAccount':
      return { header: ['NAME', 'SECRETS', 'AGE'], rows: items.map((r) => base(r, ['0', age(r.metadata.creationTimestamp)])) };
    case 'Namespace':
      return { header: ['NAME', 'STATUS', 'AGE'], rows: items.map((r) => base(r, ['Active', age(r.metadata.creationTimestamp)], { ...r, status: { phase: 'Active' } })) };
    case 'VirtualService':
      return { header: ['NAME', 'GATEWAYS', 'HOSTS', 'AGE'], rows: items.map((r) => base(r, [`[${list(spec(r).gateways).replace(/,/g, ' ')}]`, `[${list(spec(r).hosts).replace(/,/g, ' ')}]`, age(r.metadata.creationTimestamp)])) };
    case 'DestinationRule':
      return { header: ['NAME', 'HOST', 'AGE'], rows: items.map((r) => base(r, [String(spec(r).host ?? ''), age(r.metadata.creationTimestamp)])) };
    case 'ServiceEntry':
      return {
        header: ['NAME', 'HOSTS', 'LOCATION', 'RESOLUTION', 'AGE'],
        rows: items.map((r) => base(r, [`[${list(spec(r).hosts).replace(/,/g, ' ')}]`, String(spec(r).location ?? ''), String(spec(r).resolution ?? ''), age(r.metadata.creationTimestamp)])),
      };
    default:
      return { header: ['NAME', 'AGE'], rows: items.map((r) => base(r, [age(r.metadata.creationTimestamp)])) };
  }
}
