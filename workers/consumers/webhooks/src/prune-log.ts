import { idsBefore } from "./ids";

const DAY_MS = 24 * 60 * 60 * 1000;
const CHUNK = 1_000;
/** Bounds one run; an hourly cron catches up on a backlog over several runs. */
const MAX_CHUNKS = 50;

/**
 * Deletes delivery-log rows older than the retention: attempts, and deliveries that are
 * over (delivered or failed). Each delivery keeps its body, so without this the
 * database only grows (a busy team's link.clicked alone is one row per click per endpoint).
 * Ids are ULIDs, so "older than" is a range of the primary key and needs no extra index.
 */
export async function pruneDeliveryLog(db: D1Database, now: Date, retentionDays: number): Promise<{ deliveries: number; attempts: number }> {
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  const removed = { deliveries: 0, attempts: 0 };
  for (let chunk = 0; chunk < MAX_CHUNKS; chunk++) {
    const [attempts, deliveries] = await db.batch([
      db.prepare("DELETE FROM webhook_delivery_attempts WHERE id IN (SELECT id FROM webhook_delivery_attempts WHERE id < ?1 ORDER BY id LIMIT ?2)").bind(idsBefore("att", cutoff), CHUNK),
      db
        .prepare("DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE id < ?1 AND status IN ('delivered', 'failed') ORDER BY id LIMIT ?2)")
        .bind(idsBefore("dlv", cutoff), CHUNK),
    ]);
    const a = attempts?.meta.changes ?? 0;
    const d = deliveries?.meta.changes ?? 0;
    removed.attempts += a;
    removed.deliveries += d;
    if (a < CHUNK && d < CHUNK) break;
  }
  return removed;
}
