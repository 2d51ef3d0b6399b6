import { sql } from "drizzle-orm";
import { events } from "#db/links";
import type { LogEvent } from "#events";
import type { Database } from "../db";
import { IsolateBatcher } from "../isolate-batch";
import { errorMessage, logger } from "../../../shared/log";

const log = logger("api");

/**
 * The second half of the outbox: send committed events to the `link-events` topic.
 * A failed send never fails the caller: the events stay unpublished and the
 * cron relay sends them later. Returns whether the queue accepted them.
 */
export async function publishCommitted(queue: Queue, db: Database, envelopes: LogEvent[], waitUntil: (p: Promise<unknown>) => void): Promise<boolean> {
  if (envelopes.length === 0) return true;
  const ids = envelopes.map((e) => e.id);
  try {
    if (envelopes.length === 1 && envelopes[0]) await queue.send(envelopes[0], { contentType: "json" });
    else await queue.sendBatch(envelopes.map((body) => ({ body, contentType: "json" as const })));
  } catch (error) {
    log.warn("outbox send failed; the relay will retry", { eventIds: ids, error: errorMessage(error) });
    waitUntil(recordSendFailure(db, ids, error).catch((e) => log.error("recording send failure failed", { error: errorMessage(e) })));
    return false;
  }
  // Marking is off the response path, and joined with the isolate's other marks of the next
  // few milliseconds (one UPDATE for many creates): if it is lost, the relay re-sends and consumers dedupe.
  const marking = marks.add(db, ids);
  if (marking) waitUntil(marking);
  return true;
}

const marks = new IsolateBatcher<Database, string>(100, 20, async (db, ids) => {
  try {
    await markPublished(db, ids);
  } catch (error) {
    log.error("marking events published failed", { eventIds: ids, error: errorMessage(error) });
  }
});

/** `id IN (json_each(?))`: one bound parameter for any number of ids (D1 allows 100 per statement). */
function idIn(ids: string[]) {
  return sql`${events.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}

export async function markPublished(db: Database, ids: string[]): Promise<void> {
  await db
    .update(events)
    .set({ publishedAt: new Date().toISOString(), sendAttempts: sql`${events.sendAttempts} + 1` })
    .where(idIn(ids));
}

export async function recordSendFailure(db: Database, ids: string[], error: unknown): Promise<void> {
  await db
    .update(events)
    .set({ sendAttempts: sql`${events.sendAttempts} + 1`, lastSendError: errorMessage(error).slice(0, 500) })
    .where(idIn(ids));
}
