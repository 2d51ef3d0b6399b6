import { DEFAULT_PRUNE_LIMITS, idsBefore, pruneInChunks, retentionCutoff, type PruneLimits } from "../../../shared/retention/prune-in-chunks";

/** The replay window: how long a published event stays in the log (EVENT_LOG_RETENTION_DAYS). */
export const DEFAULT_EVENT_LOG_RETENTION_DAYS = 30;

/**
 * Deletes events that were created and published more than `retentionDays` before `now`,
 * oldest first, in bounded chunks. An unpublished event is the outbox's work and is never
 * deleted, however old. The links' guarded writes compare `links.last_event_id` with the
 * value they read and never read the event row, so a link whose last event is gone still
 * updates and deletes as before. Ids are ULIDs: "created before" is a primary-key range.
 */
export async function prunePublishedEvents(
  db: D1Database,
  now: Date,
  retentionDays: number,
  limits: PruneLimits = DEFAULT_PRUNE_LIMITS,
): Promise<{ events: number }> {
  const cutoff = retentionCutoff(now, retentionDays);
  return pruneInChunks(
    db,
    {
      events: (limit) =>
        db
          .prepare(
            `DELETE FROM events WHERE id IN (
               SELECT id FROM events WHERE id < ?1 AND published_at IS NOT NULL AND published_at < ?2 ORDER BY id LIMIT ?3)`,
          )
          .bind(idsBefore("evt", cutoff), cutoff.toISOString(), limit),
    },
    limits,
  );
}
