// XdsClient: the proxy's xDS client. Holds one ADS stream to the control plane, subscribes
// to CDS and LDS (wildcard) and to the RDS, EDS and SDS names the accepted listeners and
// clusters refer to, validates every resource, ACKs or NACKs each response by nonce, and
// hands the accepted state to its owner as one immutable XdsSnapshot per change.
//
// When the control plane is unreachable or restarts, the last good snapshot stays in
// force; the client reconnects with jittered exponential backoff and resubscribes with
// the versions it holds.
import type { ChannelOptions } from '@grpc/grpc-js';
import { RESOURCE_TYPES, TypeUrl } from '../../api/envoy/types.js';
import type { Node } from '../../api/gen/envoy/config/core/v3/base_pb.js';
import type { DiscoveryResponse } from '../../api/gen/envoy/service/discovery/v3/discovery_pb.js';
import type { Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';
import type { ClusterLoadAssignment } from '../../api/gen/envoy/config/endpoint/v3/endpoint_pb.js';
import type { Listener } from '../../api/gen/envoy/config/listener/v3/listener_pb.js';
import type { RouteConfiguration } from '../../api/gen/envoy/config/route/v3/route_pb.js';
import type { Secret } from '../../api/gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
import { Backoff } from '../../shared/backoff.js';
import { systemClock, systemRandom, type Clock, type Random, type Timer } from '../../shared/clock.js';
import { logger } from '../../shared/log.js';
import type { AdsCall } from './ads-call.js';
import { bootstrapNode, parseBootstrap, type XdsBootstrap } from './bootstrap.js';
import { dependenciesOf } from './dependencies.js';
import { decodeResources } from './resource-decoder.js';
import { createSnapshot, EMPTY_SNAPSHOT, type XdsSnapshot, type XdsTypeName } from './snapshot.js';
import { TypeWatch, type XdsTypeStatus } from './type-watch.js';
import { validatorFor, type XdsValidators } from './validators.js';

const log = logger('xds-client');

export const DEFAULT_BACKOFF_BASE_MS = 500;
export const DEFAULT_BACKOFF_MAX_MS = 30_000;
/** Envoy's default initial_fetch_timeout. */
export const DEFAULT_INITIAL_FETCH_TIMEOUT_MS = 15_000;

export interface XdsClientOptions {
  bootstrap: XdsBootstrap;
  /** Replace the default validator of a type. */
  validators?: XdsValidators;
  /** Reconnect backoff: full jitter, base 500 ms doubling up to 30 s. */
  backoff?: { baseMs?: number; maxMs?: number };
  clock?: Clock;
  random?: Random;
  /** Extra gRPC channel options. */
  channelOptions?: ChannelOptions;
  /** After this long, RDS/EDS names that never arrived stop holding ready() back (default 15 s). */
  initialFetchTimeoutMs?: number;
}

export type XdsConnectionState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'stopped';

export interface XdsClientStatus {
  server: string;
  nodeId: string;
  state: XdsConnectionState;
  /** CDS and LDS received and every RDS/EDS name they refer to arrived once. */
  ready: boolean;
  /** Why the last stream ended, if one did. */
  lastError?: string;
  /** Per type, in push order CDS, EDS, LDS, RDS, SDS. */
  types: Record<XdsTypeName, XdsTypeStatus>;
}

type AdsCallModule = typeof import('./ads-call.js');
/**
 * ads-call.ts, and gRPC with it, loaded when the first stream opens: a proxy that runs a
 * static config only never reads nor compiles gRPC (in the proxy bundle it is a chunk of
 * its own, scripts/build-proxy.mjs).
 */
let adsCallModule: Promise<AdsCallModule> | undefined;

export type SnapshotListener = (snapshot: XdsSnapshot) => void;

export class XdsClient {
  private readonly bootstrap: XdsBootstrap;
  private readonly node: Node;
  private readonly validators: XdsValidators | undefined;
  private readonly clock: Clock;
  private readonly backoff: Backoff;
  private readonly channelOptions: ChannelOptions | undefined;
  /** One watch per type, in push order. */
  private readonly watches = new Map<string, TypeWatch>(RESOURCE_TYPES.map((t) => [t.typeUrl, new TypeWatch(t)]));
  private readonly listeners = new Set<SnapshotListener>();
  private current: XdsSnapshot = EMPTY_SNAPSHOT;
  private state: XdsConnectionState = 'idle';
  private call: AdsCall | undefined;
  private retry: Timer | undefined;
  private lastError: string | undefined;
  /** Streams keep failing without a response; logged once per outage. */
  private failing = false;
  private isReady = false;
  /** Envoy's initial_fetch_timeout: after it, names still missing no longer hold ready() back. */
  private readonly initialFetchTimeoutMs: number;
  private fetchTimer: Timer | undefined;
  private fetchTimedOut = false;
  private readonly readyPromise: Promise<void>;
  private settleReady!: (err?: Error) => void;

  constructor(opts: XdsClientOptions) {
    const parsed = parseBootstrap(opts.bootstrap);
    if (!parsed.ok) throw new Error(`invalid xDS bootstrap: ${parsed.errors.join('; ')}`);
    this.bootstrap = parsed.value;
    this.node = bootstrapNode(parsed.value);
    this.validators = opts.validators;
    this.clock = opts.clock ?? systemClock;
    this.backoff = new Backoff({
      baseMs: opts.backoff?.baseMs ?? DEFAULT_BACKOFF_BASE_MS,
      maxMs: opts.backoff?.maxMs ?? DEFAULT_BACKOFF_MAX_MS,
      random: opts.random ?? systemRandom,
    });
    this.channelOptions = opts.channelOptions;
    this.initialFetchTimeoutMs = opts.initialFetchTimeoutMs ?? DEFAULT_INITIAL_FETCH_TIMEOUT_MS;
    this.readyPromise = new Promise<void>((resolve, reject) => {
      this.settleReady = (err) => (err ? reject(err) : resolve());
    });
    // Nobody may be waiting when stop() rejects it; that must not be an unhandled rejection.
    this.readyPromise.catch(() => {});
  }

  /** Opens the ADS stream. Idempotent; a stopped client stays stopped. */
  start(): void {
    if (this.state !== 'idle') return;
    this.fetchTimer = this.clock.setTimeout(() => {
      this.fetchTimedOut = true;
      this.checkReady();
    }, this.initialFetchTimeoutMs);
    this.connect();
  }

  /** Cancels the stream and any reconnect timer and closes the channel. */
  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.retry?.cancel();
    this.retry = undefined;
    this.fetchTimer?.cancel();
    this.call?.close();
    this.call = undefined;
    for (const w of this.watches.values()) w.streamEnded();
    if (!this.isReady) this.settleReady(new Error('xDS client stopped before it was ready'));
  }

  /** The accepted state now. */
  snapshot(): XdsSnapshot {
    return this.current;
  }

  /** Calls `listener` with each new snapshot; returns an unsubscribe function. */
  onUpdate(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once CDS and LDS arrived and every RDS and EDS name they refer to arrived once. */
  ready(): Promise<void> {
    return this.readyPromise;
  }

  status(): XdsClientStatus {
    const types = {} as Record<XdsTypeName, XdsTypeStatus>;
    for (const w of this.watches.values()) types[w.type.short] = w.status();
    return {
      server: this.bootstrap.xdsServer,
      nodeId: this.bootstrap.node.id,
      state: this.state,
      ready: this.isReady,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      types,
    };
  }

  // --- the stream ----------------------------------------------------------------------

  private connect(): void {
    this.state = 'connecting';
    adsCallModule ??= import('./ads-call.js');
    // Stopped meanwhile: stays stopped.
    const opening = () => this.state === 'connecting' && !this.call;
    void adsCallModule.then(
      (m) => {
        if (opening()) this.open(m);
      },
      (err: Error) => {
        if (opening()) this.streamFailed(`cannot load the gRPC client (${err.message}): reinstall with \`npm ci\``);
      },
    );
  }

  private open(m: AdsCallModule): void {
    const call = new m.AdsCall(
      this.bootstrap.xdsServer,
      {
        onConnected: () => {
          if (this.call === call) this.state = 'connected';
        },
        onResponse: (r) => {
          if (this.call === call) this.onResponse(r);
        },
        onEnded: (s) => {
          if (this.call === call) this.streamFailed(m.describeStatus(s));
        },
      },
      this.channelOptions,
    );
    this.call = call;
    // Node + every subscription, with the versions held and no nonce, in push order.
    let node: Node | undefined = this.node;
    for (const w of this.watches.values()) {
      if (!w.active) continue;
      this.send(w, node);
      node = undefined;
    }
  }

  /** The stream ended (or could not open): retry with backoff, keeping the last good config. */
  private streamFailed(reason: string): void {
    this.call = undefined;
    for (const w of this.watches.values()) w.streamEnded();
    const delay = this.backoff.next();
    this.lastError = reason;
    this.state = 'backoff';
    const fields = { server: this.bootstrap.xdsServer, status: this.lastError, retryMs: Math.round(delay) };
    if (this.failing) log.debug('ADS stream failed again', fields);
    else log.warn('ADS stream to the control plane ended; retrying with backoff, the last good config stays', fields);
    this.failing = true;
    this.retry = this.clock.setTimeout(() => {
      this.retry = undefined;
      if (this.state === 'backoff') this.connect();
    }, delay);
  }

  private send(w: TypeWatch, node?: Node, nack?: string): void {
    if (this.call?.send(w.request(node, nack))) w.sentOnStream = true;
  }

  // --- responses -----------------------------------------------------------------------

  private onResponse(response: DiscoveryResponse): void {
    this.state = 'connected';
    this.backoff.reset();
    if (this.failing) log.info('ADS stream to the control plane is back', { server: this.bootstrap.xdsServer });
    this.failing = false;
    const w = this.watches.get(response.typeUrl);
    if (!w) {
      log.warn('ignoring a DiscoveryResponse of a type the proxy does not subscribe to', { type: response.typeUrl, nonce: response.nonce });
      return;
    }
    w.nonce = response.nonce;
    const decoded = decodeResources(response, w.type, validatorFor(w.type.typeUrl, this.validators), (n) => w.wants(n));
    let changed = w.apply(decoded, response.versionInfo, response.nonce, this.clock.now());
    if (decoded.errors.length === 0) this.send(w);
    else {
      const message = decoded.errors.join('; ');
      log.warn('rejected xDS config (NACK); the last good config stays', { type: w.type.short, version: response.versionInfo, nonce: response.nonce, error: message });
      this.send(w, undefined, message);
    }
    if (w.type.typeUrl === TypeUrl.Listener || w.type.typeUrl === TypeUrl.Cluster) changed = this.resubscribe() || changed;
    if (changed) this.publish();
    this.checkReady();
  }

  /** Subscribes RDS, EDS and SDS to what accepted listeners and clusters refer to. */
  private resubscribe(): boolean {
    const deps = dependenciesOf(
      this.watch(TypeUrl.Listener).resources.values() as Iterable<Listener>,
      this.watch(TypeUrl.Cluster).resources.values() as Iterable<Cluster>,
    );
    let dropped = false;
    for (const [typeUrl, names] of [
      [TypeUrl.ClusterLoadAssignment, deps.endpoints],
      [TypeUrl.RouteConfiguration, deps.routes],
      [TypeUrl.Secret, deps.secrets],
    ] as const) {
      const w = this.watch(typeUrl);
      const before = w.resources;
      if (!w.subscribe(names)) continue;
      dropped ||= w.resources !== before;
      // An emptied subscription is sent too (it unsubscribes), if this stream knew the type.
      if (w.active || w.sentOnStream) this.send(w);
    }
    return dropped;
  }

  private publish(): void {
    const map = (t: TypeUrl) => this.watch(t).resources;
    const versions = {} as Record<XdsTypeName, string>;
    for (const w of this.watches.values()) versions[w.type.short] = w.version;
    this.current = createSnapshot({
      versions,
      listeners: map(TypeUrl.Listener) as ReadonlyMap<string, Listener>,
      routes: map(TypeUrl.RouteConfiguration) as ReadonlyMap<string, RouteConfiguration>,
      clusters: map(TypeUrl.Cluster) as ReadonlyMap<string, Cluster>,
      endpoints: map(TypeUrl.ClusterLoadAssignment) as ReadonlyMap<string, ClusterLoadAssignment>,
      secrets: map(TypeUrl.Secret) as ReadonlyMap<string, Secret>,
    });
    for (const l of this.listeners) {
      try {
        l(this.current);
      } catch (err) {
        log.error('an xDS snapshot listener threw', { err });
      }
    }
  }

  private checkReady(): void {
    if (this.isReady) return;
    const warm = (t: TypeUrl) => {
      const w = this.watch(t);
      return [...w.subscribed].every((n) => w.arrived.has(n));
    };
    if (!this.watch(TypeUrl.Cluster).received || !this.watch(TypeUrl.Listener).received) return;
    if (!warm(TypeUrl.ClusterLoadAssignment) || !warm(TypeUrl.RouteConfiguration)) {
      if (!this.fetchTimedOut) return;
      const missing = [TypeUrl.ClusterLoadAssignment, TypeUrl.RouteConfiguration].flatMap((t) => [...this.watch(t).subscribed].filter((n) => !this.watch(t).arrived.has(n)));
      log.warn('initial fetch timed out; ready without some resources', { missing: missing.join(', ') });
    }
    this.fetchTimer?.cancel();
    this.isReady = true;
    log.info('xDS config warmed', { clusters: this.current.clusters.size, listeners: this.current.listeners.size });
    this.settleReady();
  }

  private watch(typeUrl: TypeUrl): TypeWatch {
    return this.watches.get(typeUrl)!;
  }
}
