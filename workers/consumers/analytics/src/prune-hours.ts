import { addDays, HOURLY_RETENTION_DAYS } from "#contracts/analytics/stats";
import { DEFAULT_PRUNE_LIMITS, pruneInChunks, type PruneLimits } from "../../../shared/retention/prune-in-chunks";

/** Hours before this one (`YYYY-MM-DDTHH` sorts as text) are older than the retention at `now`: today and HOURLY_RETENTION_DAYS days before stay. */
export const hourlyCutoff = (now: Date, retentionDays = HOURLY_RETENTION_DAYS) => `${addDays(now.toISOString().slice(0, 10), -retentionDays)}T00`;

/**
 * Deletes hourly counters older than the retention, oldest first along the key (hour first),
 * in bounded chunks. The daily roll-ups keep every click for good; the hours only serve
 * `interval=hour` (7 days at most, reaching back HOURLY_RETENTION_DAYS - 1 days), so a
 * link-hour row lives about a month: storage stays at most 24 rows per link and day kept.
 * A late click (a redriven dead letter) for an hour already pruned writes a row the next run deletes.
 */
export async function pruneHourlyClicks(db: D1Database, now: Date, limits: PruneLimits = DEFAULT_PRUNE_LIMITS): Promise<{ hours: number }> {
  const cutoff = hourlyCutoff(now);
  return pruneInChunks(
    db,
    {
      hours: (limit) =>
        db
          .prepare(
            "DELETE FROM hourly_clicks WHERE (hour, link_id) IN (SELECT hour, link_id FROM hourly_clicks WHERE hour < ?1 ORDER BY hour, link_id LIMIT ?2)",
          )
          .bind(cutoff, limit),
    },
    limits,
  );
}
