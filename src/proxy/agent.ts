// The proxy process: an xDS client feeding the proxy's config, applied in order; the
// admin API; and graceful shutdown (stop accepting, let in-flight requests finish within
// the drain period, then exit). A listener the proxy cannot run (an unsupported filter)
// is NACKed through the xDS client's validator, so the control plane sees why.
//
// With `concurrency` > 1 this process is the primary of a worker pool (workers/pool.ts):
// it keeps the one xDS connection and the admin API, validates as before, and hands each
// snapshot to the workers, which serve the traffic. Its own Proxy then only validates and
// holds the current config for /config_dump.
import { TypeUrl } from '../api/envoy/types.js';
import type { Listener } from '../api/gen/envoy/config/listener/v3/listener_pb.js';
import type { Cluster } from '../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { Secret } from '../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { compileUpstreamTransportSocket } from './tls/context.js';
import { fail, ok } from '../shared/result.js';
import { XdsClient, validateCluster, validateListener, type XdsBootstrap, type XdsSnapshot } from './xds-client/index.js';
import { Proxy, type ProxyConfigSnapshot } from './proxy.js';
import { AdminServer } from './admin/server.js';
import { WorkerPool } from './workers/pool.js';
import { ListenerChains, type FilterLookup } from './listener/filter-chain.js';
import { logger } from '../shared/log.js';
import { releaseStartupHeapPin } from './startup-heap.js';
import { HealthServer } from './admin/health.js';
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
  /** Istio's health endpoint (15021, `/healthz/ready`); none when absent. */
  health?: { address: string; port: number };
  drainMs?: number;
  /**
   * Worker processes serving the listeners (default 1: this process serves them itself).
   * Above 1, the workers are this program forked again (node:cluster), which must then run
   * `runWorker` (workers/worker.ts): `rig proxy` does.
   */
  concurrency?: number;
}

export class ProxyAgent {
  readonly proxy: Proxy;
  readonly xds: XdsClient | undefined;
  readonly admin: AdminServer | undefined;
  /** The worker processes, when concurrency > 1. */
  readonly workers: WorkerPool | undefined;
  adminPort = 0;
  healthPort = 0;
  private readonly health: HealthServer | undefined;
  private draining = false;
  private applying: Promise<void> = Promise.resolve();
  private ready = false;
  private stopping: Promise<void> | undefined;
  private markStopped: () => void = () => {};
  /** Settles when the agent has stopped, whoever stopped it (a signal, /quitquitquit). */
  readonly stopped = new Promise<void>((r) => (this.markStopped = r));
  private readonly startedAt = Date.now();

  constructor(private readonly o: AgentOptions) {
    this.health = o.health
      ? new HealthServer({
          notReady: () => (this.draining ? 'draining' : this.ready ? undefined : this.xds ? 'waiting for the first configuration from the control plane' : 'starting'),
        })
      : undefined;
    this.proxy = new Proxy({ filters: o.filters });
    this.workers = (o.concurrency ?? 1) > 1 ? new WorkerPool(o.concurrency!) : undefined;
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
        ...(this.workers ? { workers: this.workers } : {}),
      });
    }
  }

  async start(): Promise<void> {
    if (this.admin && this.o.admin) this.adminPort = await this.admin.listen(this.o.admin.port, this.o.admin.address);
    if (this.health && this.o.health) this.healthPort = await this.health.listen(this.o.health.port, this.o.health.address);
    await this.workers?.start();
    if (!this.xds) {
      const r = await this.applySnapshot(this.merge(undefined));
      if (!r.ok) throw new Error(`the static config cannot run:\n  ${r.errors.join('\n  ')}`);
      this.becomeReady();
      return;
    }
    this.xds.onUpdate((s) => this.enqueue(s));
    this.xds.start();
    void this.xds.ready().then(
      () => this.applying.then(() => this.becomeReady()),
      () => {},
    );
  }

  /** Ready to serve: V8 may grow the young generation again (startup-heap.ts). */
  private becomeReady(): void {
    this.ready = true;
    releaseStartupHeapPin();
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
      const r = await this.applySnapshot(this.merge(s));
      if (!r.ok) log.warn('part of the config could not be applied; the last good one stays for those listeners', { errors: r.errors.join('; ') });
    });
  }

  /** Applies a snapshot here, or in every worker (keeping it here for config_dump). */
  private async applySnapshot(s: ProxyConfigSnapshot): Promise<Result<void>> {
    if (!this.workers) return this.proxy.apply(s);
    this.proxy.current = s;
    const errors = await this.workers.apply(s);
    return errors.length ? fail(...errors) : ok(undefined);
  }

  /** The bound listeners (as a worker reports them when there are workers). */
  listenerList(): { name: string; address: string; port: number }[] {
    return this.workers ? this.workers.listenerList() : this.proxy.listenerList();
  }

  /** Graceful stop: stop accepting, wait for connections (up to the drain period), close. */
  stop(): Promise<void> {
    this.stopping ??= this.drainAndClose();
    return this.stopping;
  }

  private async drainAndClose(): Promise<void> {
    this.ready = false;
    this.draining = true;
    await this.workers?.stop(this.o.drainMs ?? 5000);
    this.proxy.drainListeners();
    const deadline = Date.now() + (this.o.drainMs ?? 5000);
    while (this.proxy.activeConnections > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    this.xds?.stop();
    await this.proxy.close();
    await this.admin?.close();
    await this.health?.close();
    this.markStopped();
  }
}
