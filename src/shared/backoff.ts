// Exponential backoff with full jitter, for reconnects and retries.
import { systemRandom, type Random } from './clock.js';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  random?: Random;
}

export class Backoff {
  private attempt = 0;
  private readonly random: Random;
  constructor(private readonly opts: BackoffOptions) {
    this.random = opts.random ?? systemRandom;
  }

  /** Delay before the next attempt: uniform in [base/2, min(max, base·2^n)]. */
  next(): number {
    const ceiling = Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    const floor = Math.min(ceiling, this.opts.baseMs / 2);
    return floor + this.random.next() * (ceiling - floor);
  }

  reset(): void {
    this.attempt = 0;
  }
}
