import type { ClicksRecorded } from "#events";
import { errorMessage, logger } from "../../../shared/log";
import { isSampledTrace } from "../../../shared/log-sampling";
import { deliverBatch, dropBatch, type ClickSink, type SendBatch } from "./click-delivery";
import type { SpooledCounts } from "./click-spool";
import { INLINE_RETRY_DELAYS_MS } from "./inline-retry";
import { redirectCache } from "./redirect-cache";
import { OpenBatch, type PackedClick, type VisitorHash } from "./open-click-batch";

const log = logger("api");

export type { ClickSink, SendBatch } from "./click-delivery";
export { CLICK_BATCH_MAX_BYTES, type PackedClick } from "./open-click-batch";

/** The longest a batch stays open: the request that opens it sends it after this (in its waitUntil); var CLICK_BATCH_WINDOW_MS. */
export const DEFAULT_CLICK_BATCH_WINDOW_MS = 1_000;

/** Sends a batch to a queue binding (one message, well under the 128 KB limit). */
export const sendToClickQueue: SendBatch<Queue> = async (queue, batch) => {
  await queue.send(batch, { contentType: "json" });
};

/**
 * Packs an isolate's clicks into ClicksRecorded batches, one open batch per key (the api keys by
 * queue binding: tests hand the Worker other queues than env's own). The IsolateBatcher rules
 * (isolate-batch.ts): the request that opens a batch sends it when the window closes; one that
 * fills it (clicks, bytes) sends it at once; one whose click cannot join (another UTC day, too far
 * apart, dictionaries full) seals it and opens the next; every other request only adds its click
 * and has nothing to keep alive. A sealed batch is put to the sink's spool, then sent
 * (click-delivery.ts): a send that fails leaves it to the click reconciler.
 */
export class ClickPacker<K> {
  readonly #open = new Map<K, OpenBatch>();

  constructor(
    private readonly visitorHash: VisitorHash,
    private readonly sendBatch: SendBatch<K>,
    /** Waits between the inline tries of the spool put and of the send (tests shorten them). */
    private readonly retryDelaysMs: readonly number[] = INLINE_RETRY_DELAYS_MS,
  ) {}

  /**
   * The send this request must keep alive (hand it to waitUntil), or null when another request
   * sends its click. `sink` is used when this click opens a batch.
   */
  add(key: K, click: PackedClick, sink: ClickSink): Promise<void> | null {
    const open = this.#open.get(key);
    if (open?.takes(click)) {
      open.add(click);
      if (!open.full) return null;
      this.#open.delete(key);
      return this.#send(key, open);
    }
    const sealed = open ? this.#send(key, open) : null;
    const batch = new OpenBatch(click, sink);
    batch.add(click);
    this.#open.set(key, batch);
    const due = this.#sendWhenDue(key, batch, click.windowMs);
    return sealed ? Promise.all([sealed, due]).then(() => undefined) : due;
  }

  async #sendWhenDue(key: K, batch: OpenBatch, windowMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    // Already sent by the request that filled or sealed it.
    if (this.#open.get(key) !== batch) return;
    this.#open.delete(key);
    await this.#send(key, batch);
  }

  async #send(key: K, open: OpenBatch): Promise<void> {
    const counts: SpooledCounts = { day: open.day, clicks: open.humans.length, bots: 0, heads: 0, links: open.links.length };
    for (const [b, h] of open.bots.values()) {
      counts.bots += b;
      counts.heads += h;
    }
    let batch: ClicksRecorded;
    try {
      batch = await open.envelope(this.visitorHash);
    } catch (error) {
      // No envelope, nothing to spool or send: the clicks are lost, and counted.
      await dropBatch(null, counts, open.sink, { traceIds: open.humans.slice(0, 10).map((h) => h.click.traceId), error: errorMessage(error) });
      return;
    }
    const delivery = await deliverBatch(key, batch, counts, open.sink, this.sendBatch, this.retryDelaysMs);
    if (delivery.outcome === "dropped") return;
    // The line also carries (and restarts) the isolate's slug lookups by source since the last one:
    // about one line per isolate-second while it redirects, so primary queries per redirect are readable in the logs.
    if (delivery.outcome !== "spooled")
      log.info("clicks sent", {
        eventId: batch.id,
        traceId: batch.traceId,
        ...counts,
        bytes: open.bytes,
        ...delivery,
        lookups: redirectCache.takeLookupCounts(),
      });
    logSampledClicks(batch, open);
  }
}

function logSampledClicks(batch: ClicksRecorded, open: OpenBatch): void {
  for (const { click } of open.humans) {
    if (!isSampledTrace(click.traceId, click.logSampleRate)) continue;
    log.info("click sampled", {
      eventId: batch.id,
      traceId: click.traceId,
      linkId: click.linkId,
      teamId: click.teamId,
      country: click.country,
      referrerHost: click.referrerHost,
      userAgent: click.userAgent,
    });
  }
}
