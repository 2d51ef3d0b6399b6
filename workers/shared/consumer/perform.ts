import type { LinkEvent } from "#events";
import { errorMessage } from "../log";
import type { EventItem } from "./batch-item";
import type { PerformBatchResult } from "./consumer-spec";

/** The per-event effect outside D1, one event after another: a throw retries that event alone. */
export async function perform<E>(items: EventItem[], effect: (event: LinkEvent, env: E) => Promise<void>, env: E): Promise<void> {
  for (const item of items) {
    try {
      await effect(item.event, env);
    } catch (error) {
      item.outcome = { kind: "retry", error: errorMessage(error) };
    }
  }
}

/**
 * The grouped effect outside D1, once for all items: the events it names failed retry, those
 * it found done are duplicates, the rest stay undecided (for the commit). A throw retries all.
 */
export async function performBatch<E>(items: EventItem[], effect: (events: LinkEvent[], env: E) => Promise<PerformBatchResult>, env: E): Promise<void> {
  if (items.length === 0) return;
  let failed: Map<string, string>;
  let duplicates = new Set<string>();
  try {
    const result = await effect(
      items.map((i) => i.event),
      env,
    );
    failed = new Map(result.failed.map((f) => [f.eventId, f.error]));
    duplicates = new Set(result.duplicates);
  } catch (error) {
    failed = new Map(items.map((i) => [i.event.id, errorMessage(error)]));
  }
  for (const item of items) {
    const error = failed.get(item.event.id);
    if (error !== undefined) item.outcome = { kind: "retry", error };
    else if (duplicates.has(item.event.id)) item.outcome = { kind: "delivered", duplicate: true };
  }
}
