// Debouncer: merges a burst of change events into one push, after a quiet period or a
// maximum wait since the first change (Istio's PILOT_DEBOUNCE_AFTER / PILOT_DEBOUNCE_MAX).
import type { Clock, Timer } from '../../shared/clock.js';
import type { TypeUrl } from '../../api/envoy/types.js';
import type { ChangeEvent } from './source.js';

/** A merged change: what to push and since when the oldest change has been waiting. */
export interface PushRequest {
  /** Types that may have changed; undefined means all. */
  types: Set<TypeUrl> | undefined;
  reasons: string[];
  /** Clock time of the first change merged into this push (for convergence time). */
  since: number;
  /** Number of change events merged. */
  merged: number;
}

export function mergePush(a: PushRequest | undefined, change: ChangeEvent, now: number): PushRequest {
  const typesOf = (c: ChangeEvent) => (c.types && c.types.length > 0 ? new Set(c.types) : undefined);
  if (!a) return { types: typesOf(change), reasons: change.reason ? [change.reason] : [], since: now, merged: 1 };
  let types: Set<TypeUrl> | undefined;
  const b = typesOf(change);
  if (a.types && b) types = new Set([...a.types, ...b]);
  const reasons = change.reason && a.reasons.length < 20 ? [...a.reasons, change.reason] : a.reasons;
  return { types, reasons, since: Math.min(a.since, now), merged: a.merged + 1 };
}

export class Debouncer {
  private pending: PushRequest | undefined;
  private quietTimer: Timer | undefined;
  private firstAt = 0;

  constructor(
    private readonly clock: Clock,
    private readonly quietMs: number,
    private readonly maxMs: number,
    private readonly fire: (push: PushRequest) => void,
  ) {}

  add(change: ChangeEvent): void {
    const now = this.clock.now();
    if (!this.pending) this.firstAt = now;
    this.pending = mergePush(this.pending, change, now);
    this.quietTimer?.cancel();
    if (this.quietMs <= 0) {
      this.flush();
      return;
    }
    const untilMax = this.firstAt + this.maxMs - now;
    this.quietTimer = this.clock.setTimeout(() => this.flush(), Math.max(0, Math.min(this.quietMs, untilMax)));
  }

  /** Fires the pending push now, if any. */
  flush(): void {
    this.quietTimer?.cancel();
    this.quietTimer = undefined;
    const p = this.pending;
    this.pending = undefined;
    if (p) this.fire(p);
  }

  cancel(): void {
    this.quietTimer?.cancel();
    this.quietTimer = undefined;
    this.pending = undefined;
  }
}
