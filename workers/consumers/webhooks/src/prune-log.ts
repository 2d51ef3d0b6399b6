import { DEFAULT_PRUNE_LIMITS, pruneInChunks, retentionCutoff, type PruneLimits } from "../../../shared/retention/prune-in-chunks";
import { idsBefore } from "../../../shared/ids";

/**
 * Deletes delivery-log rows older than the retention: attempts, and deliveries that are
 * over (delivered or failed). Each delivery keeps its body, so without this the
 * database only grows (a busy team's link.clicked alone is one row per click per endpoint).
 * Ids are ULIDs, so "older than" is a range of the primary key and needs no extra index.
 */
export async function pruneDeliveryLog(
  db: D1Database,
  now: Date,
  retentionDays: number,
  limits: PruneLimits = DEFAULT_PRUNE_LIMITS,
): Promise<{ deliveries: number; attempts: number }> {
  const cutoff = retentionCutoff(now, retentionDays).getTime();
  return pruneInChunks(
    db,
    {
      attempts: (limit) =>
        db
          .prepare("DELETE FROM webhook_delivery_attempts WHERE id IN (SELECT id FROM webhook_delivery_attempts WHERE id < ?1 ORDER BY id LIMIT ?2)")
          .bind(idsBefore("att", cutoff), limit),
      deliveries: (limit) =>
        db
          .prepare(
            "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE id < ?1 AND status IN ('delivered', 'failed') ORDER BY id LIMIT ?2)",
          )
          .bind(idsBefore("dlv", cutoff), limit),
    },
    limits,
  );
}
