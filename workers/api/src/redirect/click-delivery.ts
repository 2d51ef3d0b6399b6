import type { ClicksRecorded } from "#events";
import { errorMessage, logger } from "../../../shared/log";
import type { ClickDrop } from "./click-drops";
import { spoolBatch, type ClickSpool, type SpooledCounts } from "./click-spool";
import { INLINE_RETRY_DELAYS_MS, withInlineRetries } from "./inline-retry";

const log = logger("api");

/** What a packer does with a sealed batch: the api sends it to the click topic's queue. */
export type SendBatch<K> = (key: K, batch: ClicksRecorded) => Promise<void>;

/** Where a batch is kept before its send, and where a lost one is counted (the api: CLICK_SPOOL and the links DB). */
export interface ClickSink {
  spool: ClickSpool;
  countDrop: (drop: ClickDrop) => Promise<void>;
}

/**
 * - `sent`: spooled, then accepted by the queue (the reconciler deletes it once every subscriber finished it);
 * - `spooled`: only in the spool: the reconciler sends it after the grace period;
 * - `unspooled`: accepted by the queue, but the spool put failed (the queue's own delivery is all it has);
 * - `dropped`: neither: counted in click_drops and logged as `clicks dropped`.
 */
export type DeliveryOutcome = "sent" | "spooled" | "unspooled" | "dropped";

export interface Delivery {
  outcome: DeliveryOutcome;
  spoolAttempts: number;
  sendAttempts: number;
}

/**
 * Write-ahead, then send: the spool put (retried inline), then the queue send (retried inline),
 * each tried whatever the other did. Never throws: every outcome is logged here.
 */
export async function deliverBatch<K>(
  key: K,
  batch: ClicksRecorded,
  counts: SpooledCounts,
  sink: ClickSink,
  send: SendBatch<K>,
  retryDelaysMs: readonly number[] = INLINE_RETRY_DELAYS_MS,
): Promise<Delivery> {
  const spooled = await withInlineRetries(() => spoolBatch(sink.spool, batch, counts), retryDelaysMs);
  const sent = await withInlineRetries(() => send(key, batch), retryDelaysMs);
  const delivery = { spoolAttempts: spooled.attempts, sendAttempts: sent.attempts };
  const fields = { eventId: batch.id, traceId: batch.traceId, ...counts, ...delivery };
  if (spooled.ok && sent.ok) return { outcome: "sent", ...delivery };
  if (sent.ok) {
    if (!spooled.ok) log.warn("click batch not spooled; sent without its spool copy", { ...fields, error: errorMessage(spooled.error) });
    return { outcome: "unspooled", ...delivery };
  }
  if (spooled.ok) {
    log.warn("click batch spooled, not sent; the reconciler sends it", { ...fields, error: errorMessage(sent.error) });
    return { outcome: "spooled", ...delivery };
  }
  await dropBatch(batch, counts, sink, { spoolError: errorMessage(spooled.error), sendError: errorMessage(sent.error), ...delivery });
  return { outcome: "dropped", ...delivery };
}

/**
 * The batch is lost: the `clicks dropped` line is the metric (its counts sum to what was lost),
 * and the same counts go to click_drops for the admin read.
 */
export async function dropBatch(batch: ClicksRecorded | null, counts: SpooledCounts, sink: ClickSink, detail: Record<string, unknown>): Promise<void> {
  const drop: ClickDrop = { day: counts.day, reason: "send_failed", batches: 1, clicks: counts.clicks, bots: counts.bots, heads: counts.heads };
  const traceIds = batch ? batch.data.clicks.slice(0, 10).map((c) => c[2]) : [];
  log.error("clicks dropped", { eventId: batch?.id ?? null, ...drop, links: counts.links, traceIds, ...detail });
  try {
    await sink.countDrop(drop);
  } catch (error) {
    log.error("click drop not counted", { eventId: batch?.id ?? null, ...drop, error: errorMessage(error) });
  }
}
