import { z } from "zod";
import { configParser } from "../../shared/config";
import { LEDGER_MIN_RETENTION_DAYS } from "#contracts/fanout/ledger-rpc";
import { DEFAULT_PRUNE_LIMITS, idsBefore, pruneInChunks, retentionCutoff, retentionDaysSchema, type PruneLimits } from "../../shared/retention/prune-in-chunks";

export const DEFAULT_LEDGER_RETENTION_DAYS = 30;

// Never below the api's click spool's longest age (contracts/fanout/ledger-rpc.ts).
const configSchema = z.object({ LEDGER_RETENTION_DAYS: retentionDaysSchema(DEFAULT_LEDGER_RETENTION_DAYS, LEDGER_MIN_RETENTION_DAYS) });

const configOf = configParser("fanout", configSchema);

/** LEDGER_RETENTION_DAYS (an optional var; 30 when unset, at least LEDGER_MIN_RETENTION_DAYS). */
export function ledgerRetentionDaysOf(env: object): number {
  return configOf(env).LEDGER_RETENTION_DAYS;
}

/**
 * Deletes, oldest first and in bounded chunks, what the ledger no longer needs:
 * - events older than the retention whose every delivery is `delivered` (or that went to no
 *   subscriber); an event with a `pending`, `retrying` or `dead` delivery keeps its whole
 *   record until that one is delivered, however old;
 * - the delivered deliveries left without their event (those of the events just deleted, and a
 *   late report's re-created row), never any other status;
 * - dead letters redriven before the cutoff. One never redriven stays: it is the only copy.
 * An unredriven dead letter's delivery is `dead` (both are written in one batch, and only a
 * redrive moves a delivery back), so it holds its event too. Ids are ULIDs: "older" is a
 * range of each primary key, so no extra index.
 */
export async function pruneLedger(db: D1Database, now: Date, retentionDays: number, limits: PruneLimits = DEFAULT_PRUNE_LIMITS) {
  const cutoff = retentionCutoff(now, retentionDays);
  const events = idsBefore("evt", cutoff);
  return pruneInChunks(
    db,
    {
      events: (limit) =>
        db
          .prepare(
            `DELETE FROM ledger_events WHERE event_id IN (
               SELECT e.event_id FROM ledger_events e WHERE e.event_id < ?1
                 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.event_id AND d.status <> 'delivered')
               ORDER BY e.event_id LIMIT ?2)`,
          )
          .bind(events, limit),
      deliveries: (limit) =>
        db
          .prepare(
            `DELETE FROM deliveries WHERE rowid IN (
               SELECT d.rowid FROM deliveries d WHERE d.event_id < ?1 AND d.status = 'delivered'
                 AND NOT EXISTS (SELECT 1 FROM ledger_events e WHERE e.event_id = d.event_id)
               ORDER BY d.event_id LIMIT ?2)`,
          )
          .bind(events, limit),
      deadLetters: (limit) =>
        db
          .prepare(
            `DELETE FROM dead_letters WHERE id IN (
               SELECT id FROM dead_letters WHERE id < ?1 AND redriven_at IS NOT NULL AND redriven_at < ?2 ORDER BY id LIMIT ?3)`,
          )
          .bind(idsBefore("dlq", cutoff), cutoff.toISOString(), limit),
    },
    limits,
  );
}
