// Outlier detection (cluster.outlier_detection), the consecutive-error detectors as Envoy
// runs them. Per host: consecutive 5xx (default 5), consecutive gateway failures (502, 503,
// 504; detected and counted but only enforced with enforcing_consecutive_gateway_failure,
// default 0 %) and, with split_external_local_origin_errors, consecutive local-origin
// failures (connect failure, reset, timeout; default 5). Without the split, local failures
// count as 503 (connect, reset) or 504 (timeout). A non-5xx response resets the counters.
// Reaching a threshold ejects the host at once, unless (ejected + 1) / hosts would exceed
// max_ejection_percent (default 10 %; always_eject_one_host lifts that for the first
// ejection), and only with probability enforcing_* %. An ejected host stays out for
// min(base_ejection_time × backoff, max_ejection_time) + jitter, where backoff grows by one
// per ejection and shrinks by one per interval spent healthy; the interval timer (default
// 10 s) returns hosts whose time is up. Time is the injected Clock. Ejections flip
// `host.state.ejected` and call onChange so the cluster rebuilds its picker.
import type { OutlierDetection } from '../../api/gen/envoy/config/cluster/v3/outlier_detection_pb.js';
import { durationMs } from '../../api/envoy/build.js';
import type { Clock, Random, Timer } from '../../shared/clock.js';
import type { Host, HostState } from './host.js';

/** What the router reports after each attempt: the response status, or a failure before one. */
export type OutlierResult = { status: number } | { localFailure: 'connect' | 'timeout' | 'reset' };

export type EjectionType = 'consecutive_5xx' | 'consecutive_gateway_failure' | 'consecutive_local_origin_failure';

export interface OutlierHostState {
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  consecutiveLocalOriginFailure: number;
  numEjections: number;
  /** Multiplier of base_ejection_time for the next ejection. */
  ejectTimeBackoff: number;
  jitterMs: number;
  lastEjectionTime: number | undefined;
  lastUnejectionTime: number | undefined;
}

/** Envoy's cluster.<name>.outlier_detection.* stats. */
export interface OutlierStats {
  ejections_active: number;
  /** Deprecated in Envoy: consecutive-5xx ejections within max_ejection_percent, enforced or not. */
  ejections_total: number;
  ejections_overflow: number;
  ejections_enforced_total: number;
  ejections_enforced_consecutive_5xx: number;
  ejections_detected_consecutive_5xx: number;
  ejections_enforced_consecutive_gateway_failure: number;
  ejections_detected_consecutive_gateway_failure: number;
  ejections_enforced_consecutive_local_origin_failure: number;
  ejections_detected_consecutive_local_origin_failure: number;
}

export type OutlierEvent =
  | { type: 'eject'; host: Host; reason: EjectionType; enforced: boolean }
  | { type: 'overflow'; host: Host; reason: EjectionType }
  | { type: 'uneject'; host: Host };

export interface OutlierDetectorOptions {
  clock: Clock;
  random: Random;
  /** Hosts were ejected or returned; called once per batch (a result, or an interval). */
  onChange?: (hosts: readonly Host[]) => void;
  onEvent?: (event: OutlierEvent) => void;
}

interface Settings {
  intervalMs: number;
  baseEjectionMs: number;
  maxEjectionMs: number;
  maxJitterMs: number;
  maxEjectionPercent: number;
  alwaysEjectOneHost: boolean;
  split: boolean;
  consecutive5xx: number;
  consecutiveGatewayFailure: number;
  consecutiveLocalOriginFailure: number;
  enforcing: Record<EjectionType, number>;
}

function settingsOf(c: OutlierDetection): Settings {
  const baseEjectionMs = durationMs(c.baseEjectionTime) ?? 30_000;
  return {
    intervalMs: durationMs(c.interval) ?? 10_000,
    baseEjectionMs,
    maxEjectionMs: durationMs(c.maxEjectionTime) ?? Math.max(300_000, baseEjectionMs),
    maxJitterMs: durationMs(c.maxEjectionTimeJitter) ?? 0,
    maxEjectionPercent: Math.min(100, c.maxEjectionPercent ?? 10),
    alwaysEjectOneHost: c.alwaysEjectOneHost ?? false,
    split: c.splitExternalLocalOriginErrors,
    consecutive5xx: c.consecutive5xx ?? 5,
    consecutiveGatewayFailure: c.consecutiveGatewayFailure ?? 5,
    consecutiveLocalOriginFailure: c.consecutiveLocalOriginFailure ?? 5,
    enforcing: {
      consecutive_5xx: c.enforcingConsecutive5xx ?? 100,
      consecutive_gateway_failure: c.enforcingConsecutiveGatewayFailure ?? 0,
      consecutive_local_origin_failure: c.enforcingConsecutiveLocalOriginFailure ?? 100,
    },
  };
}

function newOutlierState(): OutlierHostState {
  return {
    consecutive5xx: 0,
    consecutiveGatewayFailure: 0,
    consecutiveLocalOriginFailure: 0,
    numEjections: 0,
    ejectTimeBackoff: 0,
    jitterMs: 0,
    lastEjectionTime: undefined,
    lastUnejectionTime: undefined,
  };
}

export class OutlierDetector {
  readonly stats: OutlierStats = {
    ejections_active: 0,
    ejections_total: 0,
    ejections_overflow: 0,
    ejections_enforced_total: 0,
    ejections_enforced_consecutive_5xx: 0,
    ejections_detected_consecutive_5xx: 0,
    ejections_enforced_consecutive_gateway_failure: 0,
    ejections_detected_consecutive_gateway_failure: 0,
    ejections_enforced_consecutive_local_origin_failure: 0,
    ejections_detected_consecutive_local_origin_failure: 0,
  };
  private readonly s: Settings;
  /** Tracked hosts by their runtime state (stable across endpoint updates). */
  private hosts = new Map<HostState, Host>();
  private timer: Timer | undefined;
  private closed = false;

  constructor(
    config: OutlierDetection,
    private readonly opts: OutlierDetectorOptions,
  ) {
    this.s = settingsOf(config);
    this.arm();
  }

  /** The cluster's current hosts: new ones are tracked, removed ones forgotten. */
  setHosts(hosts: readonly Host[]): void {
    const next = new Map<HostState, Host>();
    for (const h of hosts) {
      next.set(h.state, h);
      h.state.outlier ??= newOutlierState();
    }
    for (const [state] of this.hosts) {
      if (next.has(state)) continue;
      if (state.ejected) this.stats.ejections_active--;
      state.outlier = undefined;
    }
    this.hosts = next;
  }

  /** One attempt's outcome on `host`; may eject it (and call onChange) before returning. */
  onResult(host: Host, result: OutlierResult): void {
    const o = host.state.outlier;
    if (o === undefined || !this.hosts.has(host.state)) return;
    if ('status' in result) {
      if (this.s.split) o.consecutiveLocalOriginFailure = 0;
      this.httpStatus(host, o, result.status);
    } else if (this.s.split) {
      if (++o.consecutiveLocalOriginFailure === this.s.consecutiveLocalOriginFailure) this.consecutiveError(host, 'consecutive_local_origin_failure');
    } else {
      this.httpStatus(host, o, result.localFailure === 'timeout' ? 504 : 503);
    }
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private httpStatus(host: Host, o: OutlierHostState, status: number): void {
    if (status < 500 || status > 599) {
      o.consecutive5xx = 0;
      o.consecutiveGatewayFailure = 0;
      return;
    }
    if (status >= 502 && status <= 504) {
      if (++o.consecutiveGatewayFailure === this.s.consecutiveGatewayFailure) this.consecutiveError(host, 'consecutive_gateway_failure');
    } else {
      o.consecutiveGatewayFailure = 0;
    }
    if (++o.consecutive5xx === this.s.consecutive5xx) this.consecutiveError(host, 'consecutive_5xx');
  }

  private consecutiveError(host: Host, type: EjectionType): void {
    if (host.state.ejected) return;
    this.stats[`ejections_detected_${type}`]++;
    const ejected = this.eject(host, type);
    const o = host.state.outlier!;
    if (type === 'consecutive_5xx') o.consecutive5xx = 0;
    else if (type === 'consecutive_gateway_failure') o.consecutiveGatewayFailure = 0;
    else o.consecutiveLocalOriginFailure = 0;
    if (ejected) this.opts.onChange?.([host]);
  }

  private eject(host: Host, type: EjectionType): boolean {
    const active = this.stats.ejections_active;
    const percent = (100 * (active + 1)) / this.hosts.size;
    const allowed = percent <= this.s.maxEjectionPercent || (this.s.alwaysEjectOneHost && active === 0);
    if (!allowed) {
      this.stats.ejections_overflow++;
      this.opts.onEvent?.({ type: 'overflow', host, reason: type });
      return false;
    }
    if (type === 'consecutive_5xx') this.stats.ejections_total++;
    const enforced = this.chance(this.s.enforcing[type]);
    this.opts.onEvent?.({ type: 'eject', host, reason: type, enforced });
    if (!enforced) return false;

    const o = host.state.outlier!;
    this.stats.ejections_active++;
    this.stats.ejections_enforced_total++;
    this.stats[`ejections_enforced_${type}`]++;
    host.state.ejected = true;
    o.numEjections++;
    o.lastEjectionTime = this.opts.clock.now();
    o.jitterMs = this.s.maxJitterMs > 0 ? Math.floor(this.opts.random.next() * (this.s.maxJitterMs + 1)) : 0;
    if (o.ejectTimeBackoff * this.s.baseEjectionMs < this.s.maxEjectionMs + this.s.baseEjectionMs) o.ejectTimeBackoff++;
    return true;
  }

  /** Envoy's runtime featureEnabled(percent): true with probability percent / 100. */
  private chance(percent: number): boolean {
    if (percent >= 100) return true;
    if (percent <= 0) return false;
    return this.opts.random.next() * 100 < percent;
  }

  private arm(): void {
    if (this.closed) return;
    this.timer = this.opts.clock.setTimeout(() => this.onInterval(), this.s.intervalMs);
  }

  private onInterval(): void {
    const now = this.opts.clock.now();
    const changed: Host[] = [];
    for (const [state, host] of this.hosts) {
      const o = state.outlier!;
      if (!state.ejected) continue;
      const ejectFor = Math.min(this.s.baseEjectionMs * o.ejectTimeBackoff, this.s.maxEjectionMs) + o.jitterMs;
      if (now - o.lastEjectionTime! < ejectFor) continue;
      state.ejected = false;
      this.stats.ejections_active--;
      o.consecutive5xx = 0;
      o.consecutiveGatewayFailure = 0;
      o.consecutiveLocalOriginFailure = 0;
      o.lastUnejectionTime = now;
      changed.push(host);
      this.opts.onEvent?.({ type: 'uneject', host });
    }
    // Hosts that stayed in service for a whole interval since their return earn back one step.
    for (const [state] of this.hosts) {
      const o = state.outlier!;
      if (!state.ejected && o.lastUnejectionTime !== undefined && now - o.lastUnejectionTime >= this.s.intervalMs && o.ejectTimeBackoff > 0) o.ejectTimeBackoff--;
    }
    if (changed.length > 0) this.opts.onChange?.(changed);
    this.arm();
  }
}
