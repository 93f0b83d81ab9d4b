// The proxy process: an xDS client feeding the proxy's config, applied in order; the
// admin API; and graceful shutdown (stop accepting, let in-flight requests finish within
// the drain period, then exit). A listener the proxy cannot run (an unsupported filter)
// is NACKed through the xDS client's validator, so the control plane sees why.
import { TypeUrl } from '../api/envoy/types.js';
import type { Listener } from '../api/gen/envoy/config/listener/v3/listener_pb.js';
import type { Cluster } from '../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Secret } from '../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { compileUpstreamTransportSocket } from './tls/context.js';
import { fail } from '../shared/result.js';
import { XdsClient, validateCluster, validateListener, type XdsBootstrap, type XdsSnapshot } from './xds-client/index.js';
import { Proxy } from './proxy.js';
import { AdminServer } from './admin/server.js';
import { ListenerChains, type FilterLookup } from './listener/filter-chain.js';
import { logger } from '../shared/log.js';
import type { Result } from '../shared/result.js';

const log = logger('agent');

export interface AgentOptions {
  /** The control plane to fetch config from; absent = static config only. */
  bootstrap?: XdsBootstrap;
  /** Node id for the admin API when there is no xDS bootstrap. */
  nodeId?: string;
  /** static_resources of an Envoy bootstrap: always in force, beside what xDS sends. */
  staticConfig?: { listeners: Listener[]; clusters: Cluster[]; secrets?: Secret[] };
  filters: FilterLookup;
  admin?: { address: string; port: number };
  drainMs?: number;
}

export class ProxyAgent {
  readonly proxy: Proxy;
  readonly xds: XdsClient | undefined;
  readonly admin: AdminServer | undefined;
  adminPort = 0;
  private applying: Promise<void> = Promise.resolve();
  private ready = false;
  private readonly startedAt = Date.now();

  constructor(private readonly o: AgentOptions) {
    this.proxy = new Proxy({ filters: o.filters });
    const proxy = this.proxy;
    this.xds = !o.bootstrap
      ? undefined
      : new XdsClient({
      bootstrap: o.bootstrap,
      validators: {
        [TypeUrl.Listener]: (l: Listener): Result<unknown> => {
          const base = validateListener(l);
          if (!base.ok) return base;
          // Secrets are not looked up here: SDS fetches them only after the listener is
          // accepted. A secret still missing when the snapshot is applied is reported then.
          const chains = ListenerChains.compile(l, proxy, o.filters, undefined);
          return chains.ok ? base : chains;
        },
        [TypeUrl.Cluster]: (c: Cluster): Result<unknown> => {
          const base = validateCluster(c);
          if (!base.ok) return base;
          // Never send plaintext where the config asks for TLS: NACK what this proxy cannot honour.
          if (c.transportSocketMatches.length) return fail('transport_socket_matches: not supported by this proxy');
          const tls = compileUpstreamTransportSocket(c.transportSocket, undefined);
          return tls.ok ? base : fail(...tls.errors.map((e) => `transport_socket.${e}`));
        },
      },
    });
    if (o.admin) {
      this.admin = new AdminServer({
        proxy: this.proxy,
        nodeId: o.bootstrap?.node.id ?? o.nodeId ?? 'rig-proxy',
        ready: () => this.ready,
        versions: () => this.xds?.snapshot().versions ?? {},
        quit: () => void this.stop(),
        startedAt: this.startedAt,
      });
    }
  }

  async start(): Promise<void> {
    if (this.admin && this.o.admin) this.adminPort = await this.admin.listen(this.o.admin.port, this.o.admin.address);
    if (!this.xds) {
      const r = await this.proxy.apply(this.merge(undefined));
      if (!r.ok) throw new Error(`the static config cannot run:\n  ${r.errors.join('\n  ')}`);
      this.ready = true;
      return;
    }
    this.xds.onUpdate((s) => this.enqueue(s));
    this.xds.start();
    void this.xds.ready().then(
      () => this.applying.then(() => (this.ready = true)),
      () => {},
    );
  }

  /** Static resources plus the dynamic ones (a dynamic resource never replaces a static one of the same name). */
  private merge(s: XdsSnapshot | undefined) {
    const listeners = new Map(s?.listeners ?? []);
    const clusters = new Map(s?.clusters ?? []);
    for (const l of this.o.staticConfig?.listeners ?? []) listeners.set(l.name, l);
    for (const c of this.o.staticConfig?.clusters ?? []) clusters.set(c.name, c);
    const secrets = new Map(s?.secrets ?? []);
    for (const x of this.o.staticConfig?.secrets ?? []) secrets.set(x.name, x);
    return { listeners, clusters, routes: s?.routes ?? new Map(), endpoints: s?.endpoints ?? new Map(), secrets };
  }

  private enqueue(s: XdsSnapshot): void {
    this.applying = this.applying.then(async () => {
      const r = await this.proxy.apply(this.merge(s));
      if (!r.ok) log.warn('part of the config could not be applied; the last good one stays for those listeners', { errors: r.errors.join('; ') });
    });
  }

  /** Graceful stop: stop accepting, wait for connections (up to the drain period), close. */
  async stop(): Promise<void> {
    this.ready = false;
    this.proxy.drainListeners();
    const deadline = Date.now() + (this.o.drainMs ?? 5000);
    while (this.proxy.activeConnections > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    this.xds?.stop();
    await this.proxy.close();
    await this.admin?.close();
  }
}
