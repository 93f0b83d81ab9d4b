// The local rate limit token bucket (envoy.type.v3.TokenBucket): starts full with
// max_tokens; every fill_interval adds tokens_per_fill, never above max_tokens; each
// request takes one token. This is Envoy's timer-based bucket (discrete fills), computed
// lazily from the clock when a request arrives instead of by a timer, so an idle bucket
// costs nothing. Fills are counted from the bucket's first use.

export interface TokenBucketSpec {
  readonly maxTokens: number;
  readonly tokensPerFill: number;
  readonly fillIntervalMs: number;
}

export class TokenBucket {
  private tokens: number;
  /** Time of the last fill (or of first use); undefined until first used. */
  private lastFill: number | undefined;

  constructor(readonly spec: TokenBucketSpec) {
    this.tokens = spec.maxTokens;
  }

  /** Takes a token if one is available at `now` (ms). */
  consume(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  remaining(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  /** Milliseconds until the next fill. */
  msUntilFill(now: number): number {
    this.refill(now);
    const last = this.lastFill ?? now;
    return Math.max(0, last + this.spec.fillIntervalMs - now);
  }

  private refill(now: number): void {
    if (this.lastFill === undefined) {
      this.lastFill = now;
      return;
    }
    const { fillIntervalMs, tokensPerFill, maxTokens } = this.spec;
    const fills = Math.floor((now - this.lastFill) / fillIntervalMs);
    if (fills <= 0) return;
    this.tokens = Math.min(maxTokens, this.tokens + fills * tokensPerFill);
    this.lastFill += fills * fillIntervalMs;
  }
}
