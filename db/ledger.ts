import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The delivery ledger (binding LEDGER_DB), owned by the fan-out Worker: the broker
 * records what it saw and where each event went, so "why did this webhook not
 * fire?" has an answer in one query. Other Workers reach it only through the
 * fan-out's `Ledger` RPC entrypoint.
 */

/** Every envelope the broker accepted, clicks included (they skip the api's outbox). */
export const ledgerEvents = sqliteTable(
  "ledger_events",
  {
    eventId: text("event_id").primaryKey(),
    type: text("type").notNull(),
    teamId: text("team_id").notNull(),
    subject: text("subject").notNull(),
    traceId: text("trace_id").notNull(),
    occurredAt: text("occurred_at").notNull(),
    envelope: text("envelope").notNull(),
    firstSeenAt: text("first_seen_at").notNull(),
  },
  (t) => [index("ledger_events_trace_idx").on(t.traceId)],
);

/** One row per event and subscriber. Status only moves forward: pending → retrying → delivered | dead. */
export const deliveries = sqliteTable(
  "deliveries",
  {
    eventId: text("event_id").notNull(),
    subscriber: text("subscriber").notNull(),
    status: text("status", { enum: ["pending", "delivered", "retrying", "dead"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** Times the subscriber received the event again and skipped it (replays, redeliveries). */
    duplicates: integer("duplicates").notNull().default(0),
    lastError: text("last_error"),
    processedAt: text("processed_at"),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.subscriber] }), index("deliveries_status_idx").on(t.subscriber, t.status)],
);

/** Messages a subscriber gave up on (its dead-letter queue), kept whole for redrive. */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    subscriber: text("subscriber").notNull(),
    eventId: text("event_id"),
    /** The message body as received, JSON (may not be a valid envelope: that can be the reason). */
    body: text("body").notNull(),
    reason: text("reason").notNull(),
    attempts: integer("attempts").notNull().default(0),
    createdAt: text("created_at").notNull(),
    redrivenAt: text("redriven_at"),
  },
  (t) => [index("dead_letters_subscriber_idx").on(t.subscriber, t.redrivenAt, t.id)],
);

export type DeliveryStatus = (typeof deliveries.$inferSelect)["status"];
