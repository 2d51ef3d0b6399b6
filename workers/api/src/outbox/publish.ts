import { inArray, sql } from "drizzle-orm";
import { events } from "../../../../db/links";
import type { LinkEvent } from "../../../../events";
import type { Database } from "../db";
import { log } from "../log";

/**
 * The second half of the outbox: send committed events to the `link-events` topic.
 * A failed send never fails the caller: the events stay unpublished and the
 * cron relay sends them later. Returns whether the queue accepted them.
 */
export async function publishCommitted(
  queue: Queue,
  db: Database,
  envelopes: LinkEvent[],
  waitUntil: (p: Promise<unknown>) => void,
): Promise<boolean> {
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
  // Marking is off the response path: if it is lost, the relay re-sends and consumers dedupe.
  waitUntil(markPublished(db, ids).catch((e) => log.error("marking events published failed", { eventIds: ids, error: errorMessage(e) })));
  return true;
}

export async function markPublished(db: Database, ids: string[]): Promise<void> {
  await db.update(events).set({ publishedAt: new Date().toISOString(), sendAttempts: sql`${events.sendAttempts} + 1` }).where(inArray(events.id, ids));
}

export async function recordSendFailure(db: Database, ids: string[], error: unknown): Promise<void> {
  await db
    .update(events)
    .set({ sendAttempts: sql`${events.sendAttempts} + 1`, lastSendError: errorMessage(error).slice(0, 500) })
    .where(inArray(events.id, ids));
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
