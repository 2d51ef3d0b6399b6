import { and, asc, isNull, lte } from "drizzle-orm";
import { events } from "#db/links";
import type { Database } from "../db";
import { errorMessage, logger } from "../../../shared/log";
import { markPublished, recordSendFailure } from "./publish";

const log = logger("api");

/** `sendBatch` takes at most 100 messages. */
export const RELAY_BATCH_SIZE = 100;
/** Events younger than this are probably still being sent by their own request. */
export const RELAY_MIN_AGE_MS = 10_000;
/** Bounds one cron run; what is left waits for the next minute. */
const MAX_BATCHES_PER_RUN = 20;

export interface RelayResult {
  sent: number;
  failed: number;
}

/**
 * The outbox relay: re-sends events the queue never accepted, oldest first, in
 * batches of at most 100, and marks them published. Stops at the first failing
 * batch (the queue is likely down) and leaves the rest for the next run.
 */
export async function relayUnpublishedEvents(queue: Queue, db: Database, now: Date): Promise<RelayResult> {
  const cutoff = new Date(now.getTime() - RELAY_MIN_AGE_MS).toISOString();
  const result: RelayResult = { sent: 0, failed: 0 };
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
    const rows = await db
      .select({ id: events.id, envelope: events.envelope })
      .from(events)
      .where(and(isNull(events.publishedAt), lte(events.createdAt, cutoff)))
      .orderBy(asc(events.createdAt))
      .limit(RELAY_BATCH_SIZE)
      .all();
    if (rows.length === 0) break;
    // Sent as stored: it was validated when written, and the fan-out validates again.
    const envelopes: unknown[] = rows.map((row) => JSON.parse(row.envelope));
    const ids = rows.map((row) => row.id);
    try {
      await queue.sendBatch(envelopes.map((body) => ({ body, contentType: "json" as const })));
    } catch (error) {
      result.failed += rows.length;
      log.warn("relay send failed", { count: rows.length, error: errorMessage(error) });
      await recordSendFailure(db, ids, error);
      break;
    }
    await markPublished(db, ids);
    result.sent += rows.length;
    if (rows.length < RELAY_BATCH_SIZE) break;
  }
  if (result.sent > 0 || result.failed > 0) log.info("outbox relay ran", { ...result });
  return result;
}
