/**
 * What this isolate has seen of a Rate Limiting binding's current window, per key.
 *
 * The binding answers only `{success}`: it never says how many uses remain. The RateLimit
 * headers' `r` is therefore an estimate: the limit minus the uses this isolate counted in the
 * same clock-aligned fixed window (the local limiter's windows; Cloudflare's are per location and
 * not promised to align), and 0 once the binding has refused the key in this window. Other
 * isolates and locations count too, so the real remainder can be lower, never higher.
 */
export class WindowEstimate {
  #window = -1;
  readonly #uses = new Map<string, number>();
  readonly #refused = new Set<string>();

  constructor(
    private readonly periodSeconds: number,
    /** Beyond this many keys in one window the counts start over: memory stays bounded. */
    private readonly maxKeys = 10_000,
  ) {}

  #roll(nowMs: number): void {
    const window = Math.floor(nowMs / (this.periodSeconds * 1000));
    if (window !== this.#window || this.#uses.size >= this.maxKeys || this.#refused.size >= this.maxKeys) {
      this.#window = window;
      this.#uses.clear();
      this.#refused.clear();
    }
  }

  /** Counts one use of `key` and answers the uses this isolate saw in the window, this one included. */
  use(key: string, nowMs = Date.now()): number {
    this.#roll(nowMs);
    const uses = (this.#uses.get(key) ?? 0) + 1;
    this.#uses.set(key, uses);
    return uses;
  }

  /** Remembers that the binding refused `key` in this window. */
  refuse(key: string, nowMs = Date.now()): void {
    this.#roll(nowMs);
    this.#refused.add(key);
  }

  refused(key: string, nowMs = Date.now()): boolean {
    this.#roll(nowMs);
    return this.#refused.has(key);
  }

  /** The estimated uses left of `limit`: 0 once refused. */
  remaining(key: string, limit: number, nowMs = Date.now()): number {
    this.#roll(nowMs);
    return this.#refused.has(key) ? 0 : Math.max(0, limit - (this.#uses.get(key) ?? 0));
  }
}
