// TypeWatch: the client's side of one xDS type on the ADS stream — what it subscribes
// to, the last accepted version, the last nonce seen, its accepted resources, and the
// ACK/NACK bookkeeping reported by status(). Applies a decoded response with
// state-of-the-world semantics: for wildcard types (LDS, CDS) a resource missing from a
// response is removed; for named types (RDS, EDS, SDS) responses may carry only changed
// resources, and a resource leaves only when it is unsubscribed.
import { create, type Message } from '@bufbuild/protobuf';
import type { Node } from '../../api/gen/envoy/config/core/v3/base_pb.js';
import { DiscoveryRequestSchema, type DiscoveryRequest } from '../../api/gen/envoy/service/discovery/v3/discovery_pb.js';
import type { ResourceType } from '../../api/envoy/types.js';
import type { DecodedResponse } from './resource-decoder.js';
import type { XdsTypeName } from './snapshot.js';

/** google.rpc.Code INVALID_ARGUMENT, the status of a NACK. */
const INVALID_ARGUMENT = 3;

export interface XdsNack {
  nonce: string;
  /** The version the rejected response carried. */
  version: string;
  /** Every error, joined with '; ' (as sent in error_detail). */
  message: string;
  /** Clock time of the NACK. */
  at: number;
}

export interface XdsTypeStatus {
  type: XdsTypeName;
  typeUrl: string;
  /** Last accepted version ('' if none). */
  version: string;
  /** Last nonce received on the current stream ('' if none). */
  nonce: string;
  /** '*' for a wildcard subscription, else the names, sorted. */
  subscribed: '*' | string[];
  /** Number of accepted resources held. */
  resources: number;
  /** Clock time of the last ACK. */
  lastAckAt?: number;
  /** The last NACK, kept after later ACKs (compare its nonce with `nonce`). */
  lastNack?: XdsNack;
}

export class TypeWatch {
  /** Subscribed names of a named type (a wildcard type subscribes to everything). */
  private names = new Set<string>();
  version = '';
  nonce = '';
  /** A request for this type went out on the current stream. */
  sentOnStream = false;
  /** A response for this type has been received (on any stream). */
  received = false;
  resources: ReadonlyMap<string, Message> = new Map();
  /** Encoded bytes of each accepted resource: an identical resource sent again keeps its object. */
  private bytes = new Map<string, Uint8Array>();
  /** Subscribed names that have arrived at least once (valid or not): warming is over for them. */
  readonly arrived = new Set<string>();
  lastAckAt: number | undefined;
  lastNack: XdsNack | undefined;

  constructor(readonly type: ResourceType) {}

  get wildcard(): boolean {
    return this.type.wildcard;
  }

  get subscribed(): ReadonlySet<string> {
    return this.names;
  }

  /** Whether requests should be sent for this type: wildcard, or some names subscribed. */
  get active(): boolean {
    return this.wildcard || this.names.size > 0;
  }

  wants(name: string): boolean {
    return this.wildcard || this.names.has(name);
  }

  /**
   * Replaces the subscription of a named type; resources no longer subscribed are dropped.
   * Returns false if the set did not change.
   */
  subscribe(names: ReadonlySet<string>): boolean {
    if (this.wildcard) throw new Error(`${this.type.short} is a wildcard type`);
    if (names.size === this.names.size && [...names].every((n) => this.names.has(n))) return false;
    this.names = new Set(names);
    for (const n of [...this.arrived]) if (!names.has(n)) this.arrived.delete(n);
    if ([...this.resources.keys()].some((n) => !names.has(n))) {
      this.resources = sorted([...this.resources].filter(([n]) => names.has(n)));
      for (const n of [...this.bytes.keys()]) if (!names.has(n)) this.bytes.delete(n);
    }
    return true;
  }

  /**
   * Applies a decoded response: valid resources replace their old value (unless sent
   * unchanged, byte for byte), invalid ones keep it. Returns true if the accepted
   * resources or version changed.
   */
  apply(decoded: DecodedResponse, version: string, nonce: string, now: number): boolean {
    this.received = true;
    for (const n of decoded.present) if (this.wants(n)) this.arrived.add(n);
    const next = new Map(this.resources);
    let changed = false;
    for (const [name, { resource, bytes }] of decoded.accepted) {
      const old = this.bytes.get(name);
      if (old && Buffer.from(old.buffer, old.byteOffset, old.byteLength).equals(bytes)) continue;
      next.set(name, resource);
      this.bytes.set(name, bytes);
      changed = true;
    }
    if (this.wildcard && decoded.complete) {
      for (const name of this.resources.keys()) {
        if (decoded.present.has(name)) continue;
        next.delete(name);
        this.bytes.delete(name);
        changed = true;
      }
    }
    if (changed) this.resources = sorted([...next]);

    if (decoded.errors.length === 0) {
      changed ||= this.version !== version;
      this.version = version;
      this.lastAckAt = now;
    } else {
      this.lastNack = { nonce, version, message: decoded.errors.join('; '), at: now };
    }
    return changed;
  }

  /**
   * The next request for this type: the subscription, the last accepted version and the
   * last nonce on this stream; a NACK adds error_detail. `node` goes on a stream's first.
   */
  request(node?: Node, nack?: string): DiscoveryRequest {
    return create(DiscoveryRequestSchema, {
      ...(node ? { node } : {}),
      typeUrl: this.type.typeUrl,
      versionInfo: this.version,
      responseNonce: this.nonce,
      resourceNames: this.wildcard ? [] : [...this.names].sort(),
      ...(nack !== undefined ? { errorDetail: { code: INVALID_ARGUMENT, message: nack } } : {}),
    });
  }

  /** Forgets the per-stream state when a stream ends. */
  streamEnded(): void {
    this.nonce = '';
    this.sentOnStream = false;
  }

  status(): XdsTypeStatus {
    return {
      type: this.type.short,
      typeUrl: this.type.typeUrl,
      version: this.version,
      nonce: this.nonce,
      subscribed: this.wildcard ? '*' : [...this.names].sort(),
      resources: this.resources.size,
      ...(this.lastAckAt !== undefined ? { lastAckAt: this.lastAckAt } : {}),
      ...(this.lastNack ? { lastNack: { ...this.lastNack } } : {}),
    };
  }
}

function sorted<V>(entries: [string, V][]): ReadonlyMap<string, V> {
  return new Map(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
