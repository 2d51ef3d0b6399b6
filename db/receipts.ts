import { index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Idempotency receipts, one table in every D1-backed consumer's own database:
 * written in the same D1 batch as the consumer's effect, so an event either has
 * its effect and its receipt, or neither (a crash in between cannot double-count).
 * Kept for RECEIPTS_RETENTION_DAYS after processing (workers/shared/consumer/prune-receipts.ts).
 */
export const consumerReceipts = sqliteTable(
  "consumer_receipts",
  {
    consumer: text("consumer").notNull(),
    eventId: text("event_id").notNull(),
    processedAt: text("processed_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.consumer, t.eventId] }),
    // The retention cron deletes the oldest first: a range of this index, never a table scan.
    index("consumer_receipts_processed_idx").on(t.processedAt),
  ],
);
