/**
 * A least-recently-used map whose entries also expire: bounded in size and in age. Time is
 * passed in by the caller, so whoever owns the clock (a test, say) decides what "now" is.
 */
export class TtlLru<V> {
  // A Map iterates in insertion order: re-inserting on each hit keeps the least recent first.
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();

  /** `onLeave` hears of every entry that leaves other than by clear(), so an index of them stays exact. */
  constructor(
    readonly capacity: number,
    private readonly onLeave: (key: string, value: V) => void = () => {},
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= now) {
      this.onLeave(key, entry.value);
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Without touching recency or expiry (for invalidation checks). */
  peek(key: string): V | undefined {
    return this.#entries.get(key)?.value;
  }

  set(key: string, value: V, expiresAt: number): void {
    this.delete(key);
    this.#entries.set(key, { value, expiresAt });
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.onLeave(key, entry.value);
  }

  clear(): void {
    this.#entries.clear();
  }
}
