// Earliest-deadline-first scheduling, as Envoy's EdfScheduler: each entry has a deadline
// (1/weight ahead of the time it was last picked); pick() returns the entry with the
// earliest deadline, ties to the one queued first. Weighted round robin, weighted least
// request and locality selection use it. A binary heap over typed arrays: O(log n) per pick.

export class EdfScheduler {
  private readonly heap: Int32Array;
  private readonly deadline: Float64Array;
  private readonly order: Float64Array;
  private size = 0;
  private seq = 0;

  constructor(capacity: number) {
    this.heap = new Int32Array(capacity);
    this.deadline = new Float64Array(capacity);
    this.order = new Float64Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Queues entry `index` (0..capacity-1, at most once) with a deadline. */
  push(index: number, deadline: number): void {
    this.deadline[index] = deadline;
    this.order[index] = this.seq++;
    let i = this.size++;
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(index, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = index;
  }

  /** The deadline `index` was last queued with. */
  deadlineOf(index: number): number {
    return this.deadline[index]!;
  }

  /** Removes and returns the entry with the earliest deadline, -1 when empty. */
  pop(): number {
    if (this.size === 0) return -1;
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap[--this.size]!;
    const n = this.size;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(heap[r]!, heap[l]!) ? r : l;
      if (!this.before(heap[c]!, last)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    if (n > 0) heap[i] = last;
    return top;
  }

  private before(a: number, b: number): boolean {
    const da = this.deadline[a]!, db = this.deadline[b]!;
    return da < db || (da === db && this.order[a]! < this.order[b]!);
  }
}
