import { errorMessage } from "../log";
import type { EventItem } from "./batch-item";
import { processedEventIds } from "./receipts";

/**
 * Events this consumer already processed (a receipt exists) are duplicates: delivered, not
 * applied again. Without the receipts nothing can be decided safely, so every item retries.
 */
export async function skipProcessed(items: EventItem[], db: D1Database, consumer: string): Promise<void> {
  if (items.length === 0) return;
  try {
    const done = await processedEventIds(
      db,
      consumer,
      items.map((i) => i.event.id),
    );
    for (const item of items) if (done.has(item.event.id)) item.outcome = { kind: "delivered", duplicate: true };
  } catch (error) {
    for (const item of items) item.outcome = { kind: "retry", error: `receipts unavailable: ${errorMessage(error)}` };
  }
}
