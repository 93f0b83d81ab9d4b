// A cluster's circuit breakers (default priority thresholds): connections, pending
// requests, active requests and active retries, with Envoy's defaults (1024 each, 3 retries).
import type { Cluster } from '../../api/gen/envoy/config/cluster/v3/cluster_pb.js';

export class CircuitBreakers {
  readonly maxConnections: number;
  readonly maxPending: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
  connections = 0;
  pending = 0;
  requests = 0;
  retries = 0;
  /** Counters for stats (upstream_rq_pending_overflow, upstream_cx_overflow, …). */
  pendingOverflow = 0;
  requestOverflow = 0;
  retryOverflow = 0;

  constructor(cluster: Cluster) {
    const t = cluster.circuitBreakers?.thresholds.find((x) => x.priority === 0);
    this.maxConnections = t?.maxConnections ?? 1024;
    this.maxPending = t?.maxPendingRequests ?? 1024;
    this.maxRequests = t?.maxRequests ?? 1024;
    this.maxRetries = t?.maxRetries ?? 3;
  }

  canOpenConnection(): boolean {
    return this.connections < this.maxConnections;
  }
  canQueue(): boolean {
    return this.pending < this.maxPending;
  }
  connectionOpened(): void {
    this.connections++;
  }
  connectionClosed(): void {
    this.connections--;
  }
  pendingAdded(): void {
    this.pending++;
  }
  pendingRemoved(): void {
    this.pending--;
  }
  overflowPending(): void {
    this.pendingOverflow++;
  }

  /** Starts a request if under max_requests. */
  tryStartRequest(): boolean {
    if (this.requests >= this.maxRequests) {
      this.requestOverflow++;
      return false;
    }
    this.requests++;
    return true;
  }
  endRequest(): void {
    this.requests--;
  }

  tryStartRetry(): boolean {
    if (this.retries >= this.maxRetries) {
      this.retryOverflow++;
      return false;
    }
    this.retries++;
    return true;
  }
  endRetry(): void {
    this.retries--;
  }
}
