import { index, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export { consumerReceipts } from "./receipts";

/**
 * The billing database (binding BILLING_DB), owned by the billing Worker and read
 * by others only through its `Usage` RPC entrypoint.
 */

/** Each team's plan, set by the api when an admin creates the team (`Usage.setPlan`). */
export const teamPlans = sqliteTable("team_plans", {
  teamId: text("team_id").primaryKey(),
  plan: text("plan", { enum: ["free", "pro"] }).notNull(),
  updatedAt: text("updated_at").notNull(),
});

/**
 * One row per LinkCreated, keyed by its event id: a duplicate or replayed event is
 * the same row, so usage is a count and can never be counted twice. A link is
 * created once, so a second event id for the same link is refused loudly (unique
 * link id) instead of billing it twice.
 */
export const usageLedger = sqliteTable(
  "usage_ledger",
  {
    eventId: text("event_id").notNull(),
    teamId: text("team_id").notNull(),
    linkId: text("link_id").notNull(),
    /** Calendar month (UTC) of the link's creation, `YYYY-MM`. */
    period: text("period").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.eventId] }),
    uniqueIndex("usage_ledger_link_idx").on(t.linkId),
    index("usage_ledger_team_period_idx").on(t.teamId, t.period),
  ],
);
