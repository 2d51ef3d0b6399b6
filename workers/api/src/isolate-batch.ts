/**
 * Joins small writes an isolate makes within a few milliseconds into one call (a queue
 * sendBatch, a D1 statement over many ids): under load most of a write's cost is the call
 * itself, and these writes happen after the response anyway (in waitUntil).
 *
 * The request that opens a batch sends it when the window closes; the one that fills it sends it
 * at once. Each send runs in the waitUntil of the request that makes it, and no request awaits a
 * promise another request created (the runtime ties I/O to the request that started it).
 */
export class IsolateBatcher<K, T> {
  readonly #open = new Map<K, T[]>();

  constructor(
    readonly maxItems: number,
    readonly windowMs: number,
    private readonly send: (key: K, items: T[]) => Promise<void>,
  ) {}

  /** Resolves once this request's part is done: sent by it, or left to the request that opened the batch. */
  async add(key: K, items: T[]): Promise<void> {
    const open = this.#open.get(key);
    if (open) {
      open.push(...items);
      if (open.length < this.maxItems) return;
      this.#open.delete(key);
      await this.send(key, open);
      return;
    }
    const batch = [...items];
    if (batch.length >= this.maxItems) {
      await this.send(key, batch);
      return;
    }
    this.#open.set(key, batch);
    await new Promise((resolve) => setTimeout(resolve, this.windowMs));
    // Already sent by the request that filled it.
    if (this.#open.get(key) !== batch) return;
    this.#open.delete(key);
    await this.send(key, batch);
  }
}
