import { parseEvent } from "#events";
import { hasEvent, type EventItem, type Item } from "./batch-item";

/**
 * Envelopes → events. One that does not parse is `invalid` with its reason (dead-lettered
 * through the report, not retried). `chaosFailure` is asked once per message: a chaos run's
 * failure comes before anything is done (parsing only names the event in the report).
 */
export function parseBatch(messages: readonly Message<unknown>[], chaosFailure: () => string | null): Item[] {
  return messages.map((message) => {
    const parsed = parseEvent(message.body);
    const item: Item = parsed.success
      ? { message, event: parsed.data }
      : { message, outcome: { kind: "invalid", reason: `invalid envelope: ${issuesOf(parsed.error)}` } };
    const failure = chaosFailure();
    // 1 s as for injectedFault: a 0 would fall back to the queue's retry_delay.
    if (failure) item.outcome = { kind: "retry", error: failure, delaySeconds: 1 };
    return item;
  });
}

function issuesOf(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

/** The parsed, undecided items, each event once: a repeat within the batch is a duplicate of its first. */
export function firstOfEachEvent(items: Item[]): EventItem[] {
  const firstById = new Map<string, EventItem>();
  for (const item of items) {
    // The item itself, never a copy: settle reads the outcomes the later steps set on it.
    if (item.outcome || !hasEvent(item)) continue;
    if (firstById.has(item.event.id)) item.outcome = { kind: "delivered", duplicate: true };
    else firstById.set(item.event.id, item);
  }
  return [...firstById.values()];
}
