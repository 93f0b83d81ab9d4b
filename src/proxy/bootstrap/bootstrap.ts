// The standalone bootstrap: an Envoy v3 Bootstrap in YAML or JSON (snake_case or
// camelCase, `@type` Anys) turned into what the proxy starts from — its node, static
// listeners, clusters and secrets, the control plane's address and the admin listener's.
//
// The proxy refuses what it would not honour rather than run with half a config: every
// field outside the supported set is an error naming its path, and static resources are
// held to the xDS client's validators. `loadBootstrap` is pure; reading the file is the
// caller's.
import { create, fromJson } from '@bufbuild/protobuf';
import { LineCounter, parseDocument } from 'yaml';
import { BootstrapSchema, type Bootstrap } from '../../api/gen/envoy/config/bootstrap/v3/bootstrap_pb.js';
import type { Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import { SocketAddress_Protocol } from '../../api/gen/envoy/config/core/v3/address_pb.js';
import { NodeSchema, type Node } from '../../api/gen/envoy/config/core/v3/base_pb.js';
import type { Listener } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import type { Secret } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { proxyRegistry } from '../../api/envoy/proxy-registry.js';
import { ErrorCollector, fail, ok, type Result } from '../../shared/result.js';
import type { XdsBootstrap } from '../xds-client/bootstrap.js';
import { checkDynamicResources } from './dynamic-resources.js';
import { checkProtoJson } from './proto-json.js';
import { checkStaticResources } from './static-resources.js';
import { BOOTSTRAP_SUPPORT } from './support.js';

export interface ProxyBootstrap {
  /** Envoy's Node: id, cluster, metadata, locality (empty if the bootstrap has none). */
  node: Node;
  staticListeners: Listener[];
  staticClusters: Cluster[];
  staticSecrets: Secret[];
  /** The ADS server, from dynamic_resources.ads_config and its static cluster. */
  xds?: { address: string };
  /** The admin listener, from admin.address.socket_address (port 0: any free port). */
  admin?: { address: string; port: number };
  /** Fields accepted but not acted on, each `path: ignored (why)`. */
  warnings: string[];
}

/**
 * Parses and checks a bootstrap. `file` names the source in syntax errors
 * (`envoy.yaml:3:7: ...`); field errors are `path: problem`, every one of them at once.
 */
export function loadBootstrap(text: string, file: string): Result<ProxyBootstrap> {
  const parsed = parseText(text, file);
  if (!parsed.ok) return parsed;

  const checked = checkProtoJson(BootstrapSchema, parsed.value, proxyRegistry, BOOTSTRAP_SUPPORT);
  if (checked.errors.length > 0) return { ok: false, errors: checked.errors };
  let bootstrap: Bootstrap;
  try {
    bootstrap = fromJson(BootstrapSchema, checked.value, { registry: proxyRegistry });
  } catch (err) {
    // The check above decodes every field it passes; this is a gap in it, not in the input.
    return fail(`${file}: ${(err as Error).message}`);
  }

  const errors = new ErrorCollector();
  const warnings = [...checked.warnings];
  const res = bootstrap.staticResources;
  checkStaticResources(res, errors);
  const xds = checkDynamicResources(bootstrap.dynamicResources, res?.clusters ?? [], errors, warnings);
  const node = bootstrap.node ?? create(NodeSchema);
  if (bootstrap.dynamicResources?.adsConfig && node.id === '') errors.add('node.id', 'required with dynamic_resources (the control plane identifies the proxy by it)');
  const admin = adminAddress(bootstrap, errors);
  if (!errors.empty) return { ok: false, errors: errors.errors };

  return ok({
    node,
    staticListeners: res?.listeners ?? [],
    staticClusters: res?.clusters ?? [],
    staticSecrets: res?.secrets ?? [],
    ...(xds !== undefined ? { xds: { address: xds } } : {}),
    ...(admin ? { admin } : {}),
    warnings,
  });
}

/** The xDS client's bootstrap, if the proxy has a control plane. */
export function xdsBootstrapOf(b: ProxyBootstrap): XdsBootstrap | undefined {
  if (!b.xds) return undefined;
  const { id, cluster, metadata, locality } = b.node;
  return {
    node: {
      id,
      cluster,
      ...(metadata !== undefined ? { metadata } : {}),
      ...(locality ? { locality: { region: locality.region, zone: locality.zone, subZone: locality.subZone } } : {}),
    },
    xdsServer: b.xds.address,
  };
}

/** YAML 1.2 (a superset of JSON) into plain data; syntax errors as `file:line:col: message`. */
function parseText(text: string, file: string): Result<unknown> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return `${file}:${line}:${col}: ${e.message}`;
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    return fail(`${file}: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`${file}: a bootstrap must be a mapping of fields`);
  return ok(value);
}

function adminAddress(b: Bootstrap, errors: ErrorCollector): { address: string; port: number } | undefined {
  const a = b.admin?.address?.address;
  if (a?.case !== 'socketAddress') return undefined;
  const at = errors.at('admin.address.socket_address');
  const sa = a.value;
  if (sa.address === '') at.add('address', 'must not be empty');
  if (sa.protocol !== SocketAddress_Protocol.TCP) at.add('protocol', 'must be TCP');
  const port = sa.portSpecifier.case === 'portValue' ? sa.portSpecifier.value : 0;
  if (port > 65535) at.add('port_value', `${port} is out of range 0..65535`);
  return { address: sa.address, port };
}
