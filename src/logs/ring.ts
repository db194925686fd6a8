// A fixed-capacity ring of the newest items: an app's retained log lines, a drain's backlog.

export class Ring<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.items = new Array<T | undefined>(capacity);
  }

  /** Adds at the newest end; returns true when that pushed the oldest item out. */
  push(item: T): boolean {
    if (this.size < this.capacity) {
      this.items[(this.start + this.size++) % this.capacity] = item;
      return false;
    }
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
    return true;
  }

  /** Removes and returns up to n of the oldest items, oldest first. */
  shift(n: number): T[] {
    const out: T[] = [];
    while (out.length < n && this.size > 0) {
      out.push(this.items[this.start]!);
      this.items[this.start] = undefined;
      this.start = (this.start + 1) % this.capacity;
      this.size--;
    }
    return out;
  }

  /** The item `back` places from the newest (0 = newest). */
  fromNewest(back: number): T | undefined {
    if (back < 0 || back >= this.size) return undefined;
    return this.items[(this.start + this.size - 1 - back) % this.capacity];
  }

  /** The newest n items, oldest first. */
  newest(n: number): T[] {
    const count = Math.min(n, this.size);
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) out[i] = this.items[(this.start + this.size - count + i) % this.capacity]!;
    return out;
  }

  clear(): void {
    this.items.fill(undefined);
    this.start = 0;
    this.size = 0;
  }
}
