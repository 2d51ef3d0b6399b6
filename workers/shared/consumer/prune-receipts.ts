import { z } from "zod";
import { DEFAULT_PRUNE_LIMITS, pruneInChunks, retentionCutoff, retentionDaysSchema, type PruneLimits } from "../retention/prune-in-chunks";

/**
 * A receipt only has to outlive every redelivery of its event's message. A message is
 * redelivered only until it is acked or its queue drops it: Queues keep a message at most
 * its retention period (4 days by default, 14 at most) from when it was sent, and the
 * toolkit's 10 retries back off at most 10 minutes each (under 2 hours in all). The
 * receipt is written after the message was sent, so 7 days after processing covers
 * the default retention with 3 days to spare. The floor of 5 days keeps a typo from
 * pruning receipts a redelivery still needs; a queue given a longer retention needs a
 * longer receipt window too. Replays and dead-letter redrives send new messages: one older
 * than the window is applied again (README "Retention").
 */
export const DEFAULT_RECEIPTS_RETENTION_DAYS = 7;
export const MIN_RECEIPTS_RETENTION_DAYS = 5;

const receiptsConfigSchema = z.object({ RECEIPTS_RETENTION_DAYS: retentionDaysSchema(DEFAULT_RECEIPTS_RETENTION_DAYS, MIN_RECEIPTS_RETENTION_DAYS) });

/** RECEIPTS_RETENTION_DAYS of a consumer Worker's env (an optional var; its default when unset). */
export function receiptsRetentionDaysOf(env: object): number {
  const parsed = receiptsConfigSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid RECEIPTS_RETENTION_DAYS: ${z.prettifyError(parsed.error)}`);
  return parsed.data.RECEIPTS_RETENTION_DAYS;
}

/**
 * Deletes the receipts processed more than `retentionDays` before `now`, oldest first, in
 * bounded chunks (index `consumer_receipts_processed_idx`). Every consumer sharing the
 * database is pruned alike. For a consumer Worker's `scheduled` handler.
 */
export async function pruneReceipts(
  db: D1Database,
  now: Date,
  retentionDays: number,
  limits: PruneLimits = DEFAULT_PRUNE_LIMITS,
): Promise<{ receipts: number }> {
  const cutoff = retentionCutoff(now, retentionDays).toISOString();
  return pruneInChunks(
    db,
    {
      receipts: (limit) =>
        db
          .prepare("DELETE FROM consumer_receipts WHERE rowid IN (SELECT rowid FROM consumer_receipts WHERE processed_at < ?1 ORDER BY processed_at LIMIT ?2)")
          .bind(cutoff, limit),
    },
    limits,
  );
}
