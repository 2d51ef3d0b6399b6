/** Reads and writes of `consumer_receipts` (db/receipts.ts) over a JSON array: one parameter, any count. */

export async function processedEventIds(db: D1Database, consumer: string, eventIds: string[]): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  const { results } = await db
    .prepare("SELECT event_id FROM consumer_receipts WHERE consumer = ?1 AND event_id IN (SELECT value FROM json_each(?2))")
    .bind(consumer, JSON.stringify(eventIds))
    .all<{ event_id: string }>();
  return new Set(results.map((r) => r.event_id));
}

export function receiptStatement(db: D1Database, consumer: string, eventIds: string[], now: string): D1PreparedStatement {
  return db
    .prepare("INSERT OR IGNORE INTO consumer_receipts (consumer, event_id, processed_at) SELECT ?1, value, ?3 FROM json_each(?2)")
    .bind(consumer, JSON.stringify(eventIds), now);
}
