// One ADS stream from one proxy: its node, and per type URL what it subscribed to, what
// was last sent (version, nonce, resource hashes), what it last ACKed and its last NACK.
import type { TypeUrl } from '../../api/envoy/types.js';
import type { ProxyNode } from './source.js';

export type SyncState = 'SYNCED' | 'STALE' | 'NOT SENT' | 'NACKED';

export interface Nack {
  version: string;
  nonce: string;
  message: string;
  /** Clock time the NACK arrived. */
  at: number;
}

export class Watch {
  /** Wildcard subscription (LDS/CDS with no names or '*'). */
  wildcard = false;
  names = new Set<string>();
  sentVersion: string | undefined;
  sentNonce: string | undefined;
  sentAt: number | undefined;
  /** What the proxy holds, as far as we know: resource name → content hash. */
  sentHashes = new Map<string, string>();
  /** Size in bytes of the last response's resources. */
  sentBytes = 0;
  ackedVersion: string | undefined;
  ackedNonce: string | undefined;
  ackedAt: number | undefined;
  nack: Nack | undefined;
  /** Clock time of the oldest change the unACKed response carries (for convergence time). */
  changeSince: number | undefined;

  constructor(readonly typeUrl: TypeUrl) {}

  /** True if `name` is covered by this subscription. */
  covers(name: string): boolean {
    return this.wildcard || this.names.has(name);
  }

  state(): SyncState {
    if (this.sentNonce === undefined) return 'NOT SENT';
    if (this.nack && this.nack.nonce === this.sentNonce) return 'NACKED';
    if (this.ackedNonce === this.sentNonce) return 'SYNCED';
    return 'STALE';
  }
}

export interface WatchStatus {
  state: SyncState;
  subscribed: string[] | '*';
  version?: string;
  nonce?: string;
  ackedVersion?: string;
  resources: number;
  bytes: number;
  nack?: { version: string; nonce: string; message: string };
}

export interface ConnectionStatus {
  /** Connection id: `<node id>-<n>`, unique per stream. */
  connectionId: string;
  nodeId: string;
  cluster: string;
  metadata: Record<string, unknown>;
  locality?: { region: string; zone: string; subZone: string };
  peer: string;
  userAgent: string;
  connectedAt: string;
  /** Keyed by short type name: CDS, EDS, LDS, RDS, SDS. */
  types: Record<string, WatchStatus>;
}

export class Connection {
  readonly watches = new Map<TypeUrl, Watch>();
  private nonceSeq = 0;

  constructor(
    readonly id: string,
    readonly node: ProxyNode,
    readonly peer: string,
    readonly connectedAt: Date,
  ) {}

  watch(typeUrl: TypeUrl): Watch {
    let w = this.watches.get(typeUrl);
    if (!w) this.watches.set(typeUrl, (w = new Watch(typeUrl)));
    return w;
  }

  nextNonce(): string {
    return `${++this.nonceSeq}`;
  }
}
