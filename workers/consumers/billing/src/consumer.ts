import type { LinkEvent } from "#events";
import type { ConsumerSpec } from "../../../shared/consumer/consumer-spec";
import { periodOf } from "#contracts/billing/plans";

/**
 * The whole batch's LinkCreated in one statement over `json_each` (one bound
 * parameter for any batch size). ON CONFLICT names the event id only: a duplicate
 * event is nothing, while a second event id for an already billed link still fails
 * the unique link index, so the toolkit retries and dead-letters that event alone.
 */
const LEDGER_SQL = `INSERT INTO usage_ledger (event_id, team_id, link_id, period, created_at)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?1) WHERE true
ON CONFLICT (event_id) DO NOTHING`;

export function ledgerStatements(db: D1Database, events: LinkEvent[]): D1PreparedStatement[] {
  const rows = events.flatMap((e) =>
    e.type === "LinkCreated" ? [[e.id, e.teamId, e.data.link.id, periodOf(e.data.link.createdAt), e.data.link.createdAt]] : [],
  );
  return rows.length > 0 ? [db.prepare(LEDGER_SQL).bind(JSON.stringify(rows))] : [];
}

export const billingConsumer: ConsumerSpec<BillingEnv> = {
  subscriber: "billing",
  reports: (env) => env.DELIVERY_REPORTS,
  database: (env) => env.BILLING_DB,
  effects: (events, db) => ledgerStatements(db, events),
  retry: { baseSeconds: 5, capSeconds: 600 },
};
