import { clickCountsOf, type LogEvent } from "#events";
import type { ClickBatchSummary } from "#contracts/fanout/ledger-rpc";

/**
 * Ledger writes as single statements over a JSON array (json_each): one bound
 * parameter however many rows, so D1's 100-parameter limit never splits a batch.
 */

export interface DeliveryReport {
  eventId: string;
  subscriber: string;
  status: "delivered" | "retrying" | "dead";
  attempts: number;
  error?: string | null;
  /** The subscriber had already processed it: counted, never re-applied. */
  duplicate?: boolean;
}

export interface DeadLetterInput {
  id: string;
  subscriber: string;
  eventId: string | null;
  body: string;
  reason: string;
  attempts: number;
}

// delivered > dead > retrying > pending: a late or duplicate report never moves a
// delivery backwards. Only a redrive resets a dead delivery, explicitly.
const RANK = `CASE %s WHEN 'delivered' THEN 3 WHEN 'dead' THEN 2 WHEN 'retrying' THEN 1 ELSE 0 END`;
const rank = (column: string) => RANK.replace("%s", column);

/**
 * What the ledger keeps of an envelope: lifecycle events whole; a ClicksRecorded batch (up to
 * ~100 KB of clicks) as its summary only, a few hundred bytes: the ledger records batches, not
 * clicks, and the clicks themselves live on in the consumers' rollups.
 */
export function ledgerEnvelopeOf(event: LogEvent): LogEvent | ClickBatchSummary {
  if (event.type !== "ClicksRecorded") return event;
  const { data } = event;
  const summary: ClickBatchSummary = {
    id: event.id,
    type: event.type,
    version: event.version,
    occurredAt: event.occurredAt,
    teamId: event.teamId,
    subject: event.subject,
    traceId: event.traceId,
    data: { summary: true, from: data.from, to: data.to, ...clickCountsOf(event), agents: data.agents.length, referrers: data.referrers.length },
  };
  return summary;
}

export function recordEventsStatement(db: D1Database, events: LogEvent[], now: string): D1PreparedStatement {
  const rows = events.map((e) => ({
    id: e.id,
    type: e.type,
    team: e.teamId,
    subject: e.subject,
    trace: e.traceId,
    at: e.occurredAt,
    envelope: JSON.stringify(ledgerEnvelopeOf(e)),
  }));
  return db
    .prepare(
      `INSERT OR IGNORE INTO ledger_events (event_id, type, team_id, subject, trace_id, occurred_at, envelope, first_seen_at)
       SELECT value->>'id', value->>'type', value->>'team', value->>'subject', value->>'trace', value->>'at', value->>'envelope', ?2
       FROM json_each(?1)`,
    )
    .bind(JSON.stringify(rows), now);
}

/** Opens a `pending` delivery per (event, subscriber) unless one exists (replays keep `delivered`). */
export function openDeliveriesStatement(db: D1Database, pairs: { eventId: string; subscriber: string }[], now: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT OR IGNORE INTO deliveries (event_id, subscriber, status, attempts, updated_at)
       SELECT value->>'eventId', value->>'subscriber', 'pending', 0, ?2 FROM json_each(?1)`,
    )
    .bind(JSON.stringify(pairs), now);
}

export function reportDeliveriesStatement(db: D1Database, reports: DeliveryReport[], now: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO deliveries (event_id, subscriber, status, attempts, duplicates, last_error, processed_at, updated_at)
       SELECT value->>'eventId', value->>'subscriber', value->>'status', value->>'attempts', value->>'duplicate', value->>'error',
              CASE value->>'status' WHEN 'delivered' THEN ?2 ELSE NULL END, ?2
       FROM json_each(?1) WHERE true
       ON CONFLICT (event_id, subscriber) DO UPDATE SET
         status = CASE WHEN ${rank("excluded.status")} >= ${rank("deliveries.status")} THEN excluded.status ELSE deliveries.status END,
         attempts = max(deliveries.attempts, excluded.attempts),
         duplicates = deliveries.duplicates + excluded.duplicates,
         last_error = coalesce(excluded.last_error, deliveries.last_error),
         processed_at = coalesce(deliveries.processed_at, excluded.processed_at),
         updated_at = excluded.updated_at`,
    )
    .bind(JSON.stringify(reports.map((r) => ({ ...r, duplicate: r.duplicate ? 1 : 0, error: r.error?.slice(0, 1000) ?? null }))), now);
}

export function recordDeadLettersStatement(db: D1Database, letters: DeadLetterInput[], now: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT OR IGNORE INTO dead_letters (id, subscriber, event_id, body, reason, attempts, created_at)
       SELECT value->>'id', value->>'subscriber', value->>'eventId', value->>'body', value->>'reason', value->>'attempts', ?2
       FROM json_each(?1)`,
    )
    .bind(JSON.stringify(letters.map((l) => ({ ...l, reason: l.reason.slice(0, 2000) }))), now);
}
