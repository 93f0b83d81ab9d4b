// The ADS server: Envoy's Aggregated Discovery Service, state of the world.
//
// Per stream it tracks subscriptions, the last sent version/nonce/hashes and ACK/NACK per
// type (connection.ts). ACK and NACK are matched by nonce, never by version; a request
// carrying a stale nonce is ignored. Changes from the ResourceSource are debounced, then
// pushed to every connection in push order CDS → EDS → LDS → RDS → SDS, in batches of
// `pushThrottle` connections. Only subscribed resources are sent, and a type whose
// resources did not change is not re-sent. LDS and CDS responses carry the full state of
// the subscription; RDS, EDS and SDS responses carry only what changed.
import * as grpc from '@grpc/grpc-js';
import { create } from '@bufbuild/protobuf';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  DiscoveryResponseSchema,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../api/gen/envoy/service/discovery/v3/discovery_pb.js';
import { RESOURCE_TYPES, resourceType, type TypeUrl } from '../../api/envoy/types.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import { logger } from '../../shared/log.js';
import { MetricsRegistry } from '../../shared/metrics.js';
import { PILOT_DEBOUNCE_AFTER, PILOT_DEBOUNCE_MAX, PILOT_PUSH_THROTTLE } from '../../shared/tunables.js';
import { Connection, type ConnectionStatus, type Watch, type WatchStatus } from './connection.js';
import { Debouncer, mergePush, type PushRequest } from './debounce.js';
import { adsServiceDefinition } from './service.js';
import type { ChangeEvent, ProxyNode, ResourceSource } from './source.js';
import { XdsMetrics } from './metrics.js';
import { resourceHash, setVersion } from './version.js';

const log = logger('ads');

type AdsCall = grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>;

export interface AdsServerOptions {
  source: ResourceSource;
  /** Quiet period after a change before pushing (default PILOT_DEBOUNCE_AFTER, 100 ms). */
  debounceQuietMs?: number;
  /** Maximum delay of a push under continuous changes (default PILOT_DEBOUNCE_MAX, 10 s). */
  debounceMaxMs?: number;
  /** Connections pushed per batch before yielding to the event loop (default 100). */
  pushThrottle?: number;
  /** Identifier sent as DiscoveryResponse.control_plane.identifier. */
  identifier?: string;
  clock?: Clock;
  metrics?: MetricsRegistry;
  /** Called when a proxy ACKs a response that carried a change (benchmarks, tests). */
  onConverged?: (e: { connectionId: string; typeUrl: TypeUrl; ms: number }) => void;
}

interface Stream {
  conn: Connection;
  call: AdsCall;
}

export class AdsServer {
  readonly metrics: MetricsRegistry;
  private readonly m: XdsMetrics;
  private readonly source: ResourceSource;
  private readonly clock: Clock;
  private readonly debouncer: Debouncer;
  private readonly throttle: number;
  private readonly identifier: string;
  private readonly streams = new Map<string, Stream>();
  private readonly unsubscribe: () => void;
  private server: grpc.Server | undefined;
  private connSeq = 0;
  private readonly onConverged: AdsServerOptions['onConverged'];
  private pushing: Promise<void> | undefined;
  private queued: PushRequest | undefined;

  constructor(opts: AdsServerOptions) {
    this.source = opts.source;
    this.clock = opts.clock ?? systemClock;
    this.metrics = opts.metrics ?? new MetricsRegistry();
    this.m = new XdsMetrics(this.metrics, () => this.streams.size);
    this.throttle = Math.max(1, opts.pushThrottle ?? PILOT_PUSH_THROTTLE.get());
    this.identifier = opts.identifier ?? 'rigd';
    this.onConverged = opts.onConverged;
    this.debouncer = new Debouncer(
      this.clock,
      opts.debounceQuietMs ?? PILOT_DEBOUNCE_AFTER.get(),
      opts.debounceMaxMs ?? PILOT_DEBOUNCE_MAX.get(),
      (p) => this.schedulePush(p),
    );
    this.unsubscribe = this.source.onChange((c: ChangeEvent) => this.debouncer.add(c));
  }

  /** Binds host:port (0 = any free port) and returns the bound port. */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = new grpc.Server({
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
    });
    server.addService(adsServiceDefinition, {
      StreamAggregatedResources: (call: AdsCall) => this.onStream(call),
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
        call.emit('error', {
          code: grpc.status.UNIMPLEMENTED,
          details: 'incremental (delta) xDS is not served yet; use state-of-the-world ADS',
        });
      },
    });
    this.server = server;
    const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err, bound) => {
        if (err) reject(new Error(`ADS server cannot listen on ${addr}: ${err.message}`, { cause: err }));
        else resolve(bound);
      });
    });
  }

  /** Stops accepting, ends every stream, and cancels pending pushes. */
  async close(): Promise<void> {
    this.unsubscribe();
    this.debouncer.cancel();
    this.queued = undefined;
    const server = this.server;
    this.server = undefined;
    for (const s of this.streams.values()) s.call.end();
    this.streams.clear();
    if (server) server.forceShutdown();
    await this.pushing;
  }

  /** Pushes now, bypassing the debounce (used by tests and on startup). */
  pushNow(change: ChangeEvent = {}): Promise<void> {
    this.schedulePush(mergePush(undefined, change, this.clock.now()));
    return this.idle();
  }

  /** Resolves when no push is in progress or queued. */
  async idle(): Promise<void> {
    while (this.pushing) await this.pushing;
  }

  /** Per connected proxy, per type: SYNCED / STALE / NOT SENT / NACKED. */
  status(): ConnectionStatus[] {
    return [...this.streams.values()]
      .map(({ conn }) => {
        const types: Record<string, WatchStatus> = {};
        for (const t of RESOURCE_TYPES) {
          const w = conn.watches.get(t.typeUrl);
          types[t.short] = w ? watchStatus(w) : { state: 'NOT SENT', subscribed: [], resources: 0, bytes: 0 };
        }
        return {
          connectionId: conn.id,
          nodeId: conn.node.id,
          cluster: conn.node.cluster,
          metadata: conn.node.metadata,
          ...(conn.node.locality ? { locality: conn.node.locality } : {}),
          peer: conn.peer,
          userAgent: [conn.node.userAgentName, conn.node.userAgentVersion].filter(Boolean).join('/'),
          connectedAt: conn.connectedAt.toISOString(),
          types,
        };
      })
      .sort((a, b) => (a.connectionId < b.connectionId ? -1 : 1));
  }

  get connectionCount(): number {
    return this.streams.size;
  }

  // --- streams -------------------------------------------------------------------------

  private onStream(call: AdsCall): void {
    let stream: Stream | undefined;
    const cleanup = () => {
      if (stream && this.streams.get(stream.conn.id) === stream) {
        this.streams.delete(stream.conn.id);
        log.info('proxy disconnected', { conn: stream.conn.id });
        const node = stream.conn.node;
        if (![...this.streams.values()].some((s) => s.conn.node.id === node.id)) this.source.release?.(node);
      }
    };
    call.on('data', (req: DiscoveryRequest) => {
      try {
        stream ??= this.open(call, req);
        if (stream) this.onRequest(stream, req);
      } catch (err) {
        log.error('failed to handle discovery request', { err, type: req.typeUrl });
        call.emit('error', { code: grpc.status.INTERNAL, details: String(err) });
        cleanup();
      }
    });
    call.on('end', () => {
      cleanup();
      call.end();
    });
    call.on('cancelled', cleanup);
    call.on('error', (err: Error) => {
      log.debug('stream error', { err });
      cleanup();
    });
    call.on('close', cleanup);
  }

  private open(call: AdsCall, req: DiscoveryRequest): Stream | undefined {
    if (!req.node || !req.node.id) {
      call.emit('error', {
        code: grpc.status.INVALID_ARGUMENT,
        details: 'the first DiscoveryRequest on a stream must carry node.id',
      });
      return undefined;
    }
    const n = req.node;
    const node: ProxyNode = {
      id: n.id,
      cluster: n.cluster,
      metadata: (n.metadata ?? {}) as Record<string, unknown>,
      ...(n.locality ? { locality: { region: n.locality.region, zone: n.locality.zone, subZone: n.locality.subZone } } : {}),
      userAgentName: n.userAgentName,
      userAgentVersion: n.userAgentVersionType.case === 'userAgentVersion' ? n.userAgentVersionType.value : '',
    };
    const conn = new Connection(`${node.id}-${++this.connSeq}`, node, call.getPeer(), new Date());
    const stream = { conn, call };
    this.streams.set(conn.id, stream);
    log.info('proxy connected', { conn: conn.id, peer: conn.peer });
    return stream;
  }

  private onRequest(stream: Stream, req: DiscoveryRequest): void {
    const type = resourceType(req.typeUrl);
    if (!type) {
      log.debug('ignoring request for an unserved type', { conn: stream.conn.id, type: req.typeUrl });
      return;
    }
    const typeUrl = type.typeUrl as TypeUrl;
    const existing = stream.conn.watches.get(typeUrl);
    const now = this.clock.now();

    if (req.responseNonce !== '') {
      if (!existing || existing.sentNonce !== req.responseNonce) {
        // A response to something we have since superseded: the newer response is in flight.
        this.m.expiredNonce.inc({ type: type.short.toLowerCase() });
        return;
      }
      if (req.errorDetail) {
        existing.nack = {
          version: req.versionInfo,
          nonce: req.responseNonce,
          message: req.errorDetail.message,
          at: now,
        };
        existing.changeSince = undefined;
        this.m.rejects.inc({ type: type.short.toLowerCase() });
        log.warn('proxy rejected config (NACK)', {
          conn: stream.conn.id,
          type: type.short,
          nonce: req.responseNonce,
          error: req.errorDetail.message,
        });
      } else {
        existing.ackedVersion = existing.sentVersion;
        existing.ackedNonce = req.responseNonce;
        existing.ackedAt = now;
        if (existing.changeSince !== undefined) {
          const ms = now - existing.changeSince;
          this.m.convergence.observe(ms / 1000);
          existing.changeSince = undefined;
          this.onConverged?.({ connectionId: stream.conn.id, typeUrl, ms });
        }
      }
      if (subscribe(existing, type.wildcard, req.resourceNames)) this.respond(stream, existing, true, now);
      return;
    }

    // No nonce: the first request for this type on this stream, or a fresh subscription.
    const w = stream.conn.watch(typeUrl);
    subscribe(w, type.wildcard, req.resourceNames);
    this.respond(stream, w, true, now);
  }

  /**
   * Sends the current resources of one type if they differ from what the proxy holds, or
   * unconditionally when `force` (a request that must be answered). Returns true if sent.
   */
  private respond(stream: Stream, w: Watch, force: boolean, since: number): boolean {
    const type = resourceType(w.typeUrl)!;
    const { version: given, resources } = this.source.resources(stream.conn.node, w.typeUrl);
    const current = new Map<string, { any: DiscoveryResponse['resources'][number]; hash: string }>();
    for (const r of resources) if (w.covers(r.name)) current.set(r.name, { any: r.resource, hash: resourceHash(r.resource) });

    const changed: string[] = [];
    for (const [name, c] of current) if (w.sentHashes.get(name) !== c.hash) changed.push(name);
    const removed = type.wildcard ? [...w.sentHashes.keys()].filter((n) => !current.has(n)) : [];
    if (!force && changed.length === 0 && removed.length === 0) return false;

    const names = type.wildcard ? [...current.keys()] : changed;
    names.sort();
    const version = given ?? setVersion([...current].map(([n, c]) => [n, c.hash] as [string, string]));
    const nonce = stream.conn.nextNonce();
    const response = create(DiscoveryResponseSchema, {
      versionInfo: version,
      typeUrl: w.typeUrl,
      nonce,
      resources: names.map((n) => current.get(n)!.any),
      controlPlane: { identifier: this.identifier },
    });
    let bytes = 0;
    for (const a of response.resources) bytes += a.value.length;

    stream.call.write(response);
    w.sentVersion = version;
    w.sentNonce = nonce;
    w.sentAt = this.clock.now();
    w.sentBytes = bytes;
    if (type.wildcard) w.sentHashes = new Map([...current].map(([n, c]) => [n, c.hash]));
    else for (const n of changed) w.sentHashes.set(n, current.get(n)!.hash);
    w.changeSince = w.changeSince === undefined ? since : Math.min(w.changeSince, since);

    const label = { type: type.short.toLowerCase() };
    this.m.pushes.inc(label);
    this.m.configSize.observe(bytes, label);
    log.debug('pushed', { conn: stream.conn.id, type: type.short, version, nonce, resources: names.length });
    return true;
  }

  // --- pushes --------------------------------------------------------------------------

  private schedulePush(p: PushRequest): void {
    if (this.pushing) {
      this.queued = this.queued ? mergeRequests(this.queued, p) : p;
      return;
    }
    this.pushing = this.runPushes(p).finally(() => {
      this.pushing = undefined;
    });
  }

  private async runPushes(first: PushRequest): Promise<void> {
    let p: PushRequest | undefined = first;
    while (p) {
      await this.pushAll(p);
      p = this.queued;
      this.queued = undefined;
    }
  }

  private async pushAll(p: PushRequest): Promise<void> {
    const started = this.clock.now();
    const targets = [...this.streams.values()];
    let n = 0;
    for (const s of targets) {
      if (this.streams.get(s.conn.id) !== s) continue;
      for (const t of RESOURCE_TYPES) {
        const typeUrl = t.typeUrl as TypeUrl;
        if (p.types && !p.types.has(typeUrl)) continue;
        const w = s.conn.watches.get(typeUrl);
        if (w) this.respond(s, w, false, p.since);
      }
      if (++n % this.throttle === 0) await yieldToLoop();
    }
    this.m.pushRuns.inc();
    log.debug('push complete', {
      proxies: targets.length,
      merged: p.merged,
      reasons: p.reasons.join(', '),
      ms: Math.round(this.clock.now() - started),
    });
  }
}

/** Updates a watch's subscription from a request; returns true if it changed. */
function subscribe(w: Watch, wildcardType: boolean, requested: string[]): boolean {
  const wildcard = wildcardType && (requested.length === 0 || requested.includes('*'));
  const names = new Set(requested.filter((n) => n !== '*'));
  const before = w.wildcard;
  const same = before === wildcard && names.size === w.names.size && [...names].every((n) => w.names.has(n));
  if (same) return false;
  w.wildcard = wildcard;
  w.names = names;
  for (const n of [...w.sentHashes.keys()]) if (!w.covers(n)) w.sentHashes.delete(n);
  return true;
}

function mergeRequests(a: PushRequest, b: PushRequest): PushRequest {
  const types = a.types && b.types ? new Set([...a.types, ...b.types]) : undefined;
  return { types, reasons: [...a.reasons, ...b.reasons].slice(0, 20), since: Math.min(a.since, b.since), merged: a.merged + b.merged };
}

function watchStatus(w: Watch): WatchStatus {
  return {
    state: w.state(),
    subscribed: w.wildcard ? '*' : [...w.names].sort(),
    ...(w.sentVersion !== undefined ? { version: w.sentVersion } : {}),
    ...(w.sentNonce !== undefined ? { nonce: w.sentNonce } : {}),
    ...(w.ackedVersion !== undefined ? { ackedVersion: w.ackedVersion } : {}),
    resources: w.sentHashes.size,
    bytes: w.sentBytes,
    ...(w.nack ? { nack: { version: w.nack.version, nonce: w.nack.nonce, message: w.nack.message } } : {}),
  };
}
