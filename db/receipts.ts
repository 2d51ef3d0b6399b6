import { primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Idempotency receipts, one table in every D1-backed consumer's own database:
 * written in the same D1 batch as the consumer's effect, so an event either has
 * its effect and its receipt, or neither (a crash in between cannot double-count).
 */
export const consumerReceipts = sqliteTable(
  "consumer_receipts",
  {
    consumer: text("consumer").notNull(),
    eventId: text("event_id").notNull(),
    processedAt: text("processed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.eventId] })],
);
