// The proxy's bootstrap: who it is (Envoy's Node: id, cluster, metadata, locality) and
// where the control plane is. Everything else arrives over xDS. `parseBootstrap` checks
// a bootstrap read from JSON; `bootstrapNode` builds the Node sent on each ADS stream.
import { create, type JsonObject } from '@bufbuild/protobuf';
import { NodeSchema, type Node } from '../../api/gen/envoy/config/core/v3/base_pb.js';
import { VERSION } from '../../shared/version.js';
import { ErrorCollector, fail, ok, type Result } from '../../shared/result.js';

export const USER_AGENT_NAME = 'rigging';

export interface XdsBootstrap {
  node: {
    /** Istio's form: `sidecar~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local`. */
    id: string;
    cluster: string;
    /** Plain JSON, sent as node.metadata (a google.protobuf.Struct). */
    metadata?: JsonObject;
    locality?: { region?: string; zone?: string; subZone?: string };
  };
  /** The ADS server, `host:port` (`[v6]:port` for IPv6). */
  xdsServer: string;
}

/** Checks an untrusted bootstrap (e.g. parsed from a file), collecting every error. */
export function parseBootstrap(input: unknown): Result<XdsBootstrap> {
  if (!isObject(input)) return fail('bootstrap: must be an object');
  const errors = new ErrorCollector();
  const node = input.node;
  if (!isObject(node)) errors.add('node', 'required (an object)');
  else {
    if (typeof node.id !== 'string' || node.id === '') errors.add('node.id', 'must be a non-empty string');
    if (node.cluster !== undefined && typeof node.cluster !== 'string') errors.add('node.cluster', 'must be a string');
    if (node.metadata !== undefined) {
      if (!isObject(node.metadata)) errors.add('node.metadata', 'must be an object');
      else checkJson(node.metadata, errors.at('node.metadata'));
    }
    if (node.locality !== undefined) {
      if (!isObject(node.locality)) errors.add('node.locality', 'must be an object');
      else for (const k of ['region', 'zone', 'subZone']) {
        if (node.locality[k] !== undefined && typeof node.locality[k] !== 'string') errors.add(`node.locality.${k}`, 'must be a string');
      }
    }
  }
  if (typeof input.xdsServer !== 'string' || splitHostPort(input.xdsServer) === undefined) {
    errors.add('xdsServer', 'must be host:port with a port in 1..65535');
  }
  if (!errors.empty) return { ok: false, errors: errors.errors };
  const n = node as Record<string, unknown>;
  return ok({
    node: {
      id: n.id as string,
      cluster: (n.cluster as string | undefined) ?? '',
      ...(n.metadata !== undefined ? { metadata: n.metadata as JsonObject } : {}),
      ...(n.locality !== undefined ? { locality: n.locality as XdsBootstrap['node']['locality'] } : {}),
    },
    xdsServer: input.xdsServer as string,
  });
}

/** The Node sent in the first DiscoveryRequest of every stream. */
export function bootstrapNode(b: XdsBootstrap): Node {
  const l = b.node.locality;
  return create(NodeSchema, {
    id: b.node.id,
    cluster: b.node.cluster,
    metadata: b.node.metadata ?? {},
    ...(l ? { locality: { region: l.region ?? '', zone: l.zone ?? '', subZone: l.subZone ?? '' } } : {}),
    userAgentName: USER_AGENT_NAME,
    userAgentVersionType: { case: 'userAgentVersion', value: VERSION },
  });
}

/** Splits `host:port` / `[v6]:port`; undefined if malformed. */
export function splitHostPort(target: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(target);
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON that a google.protobuf.Struct can carry: no undefined, functions, bigints or NaN. */
function checkJson(v: unknown, errors: ErrorCollector, path = ''): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) errors.add(path, `${v} is not a JSON number`);
  } else if (Array.isArray(v)) v.forEach((x, i) => checkJson(x, errors, `${path}[${i}]`));
  else if (isObject(v)) for (const [k, x] of Object.entries(v)) checkJson(x, errors, path ? `${path}.${k}` : k);
  else errors.add(path, `${typeof v} is not JSON`);
}
