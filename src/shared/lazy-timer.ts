// LazyTimer: one timeout per owner (a connection) whose deadline moves often and rarely
// expires — the request-headers timeout armed at every request, the idle timeout armed
// after every response. Re-arming only records the new deadline; the underlying Node
// timer is replaced only when the new deadline is earlier than the one it is set for.
// When it fires early (the deadline moved later) it sets itself again for the rest.
// So a keep-alive connection costs a clock read per request instead of a timer
// created and one cleared each time.

export class LazyTimer<K extends number> {
  private timer: NodeJS.Timeout | undefined;
  /** When the Node timer is due (ms since the epoch); Infinity when none is set. */
  private due = Number.POSITIVE_INFINITY;
  private deadline = 0;
  private kind = 0 as K;

  /** `onExpire(kind)` runs once a deadline armed with `kind` passes (kind 0 means disarmed). */
  constructor(private readonly onExpire: (kind: K) => void) {}

  /** Expire `ms` from now with `kind` (a non-zero number the owner chooses); replaces any armed deadline. */
  arm(kind: K, ms: number): void {
    const deadline = Date.now() + ms;
    this.deadline = deadline;
    this.kind = kind;
    if (deadline < this.due) this.schedule(deadline, ms);
  }

  /** Nothing expires until the next arm(); the Node timer (if any) lapses harmlessly. */
  disarm(): void {
    this.kind = 0 as K;
  }

  /** The kind armed now, 0 when disarmed. */
  get armed(): K {
    return this.kind;
  }

  /** Disarms and drops the Node timer (the owner is closing). */
  cancel(): void {
    this.kind = 0 as K;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = Number.POSITIVE_INFINITY;
  }

  private schedule(due: number, ms: number): void {
    clearTimeout(this.timer);
    this.due = due;
    this.timer = setTimeout(fire, ms, this);
  }

  /** @internal the Node timer fired. */
  fired(): void {
    this.timer = undefined;
    this.due = Number.POSITIVE_INFINITY;
    const kind = this.kind;
    if (kind === 0) return;
    const left = this.deadline - Date.now();
    if (left > 0) {
      this.schedule(this.deadline, left);
      return;
    }
    this.kind = 0 as K;
    this.onExpire(kind);
  }
}

function fire(t: { fired(): void }): void {
  t.fired();
}
