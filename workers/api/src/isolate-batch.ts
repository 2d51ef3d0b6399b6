/**
 * Joins small writes an isolate makes within a few milliseconds into one call (a queue
 * sendBatch, a D1 statement over many ids): under load most of a write's cost is the call
 * itself, and these writes happen after the response anyway (in waitUntil).
 *
 * The request that opens a batch sends it when the window closes; the one that fills it sends it
 * at once; every other request only adds its items and has nothing to wait for (a pending
 * waitUntil keeps a request's context alive, which costs more than a redirect). Each send runs in
 * the waitUntil of the request that makes it, and no request awaits a promise another request
 * created (the runtime ties I/O to the request that started it).
 */
export class IsolateBatcher<K, T> {
  readonly #open = new Map<K, T[]>();

  constructor(
    readonly maxItems: number,
    readonly windowMs: number,
    private readonly send: (key: K, items: T[]) => Promise<void>,
  ) {}

  /** The send this request must keep alive (hand it to waitUntil), or null when another request sends its items. */
  add(key: K, items: T[]): Promise<void> | null {
    const open = this.#open.get(key);
    if (open) {
      open.push(...items);
      if (open.length < this.maxItems) return null;
      this.#open.delete(key);
      return this.send(key, open);
    }
    const batch = [...items];
    if (batch.length >= this.maxItems) return this.send(key, batch);
    this.#open.set(key, batch);
    return this.#sendWhenDue(key, batch);
  }

  async #sendWhenDue(key: K, batch: T[]): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.windowMs));
    // Already sent by the request that filled it.
    if (this.#open.get(key) !== batch) return;
    this.#open.delete(key);
    await this.send(key, batch);
  }
}
