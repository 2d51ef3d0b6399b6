import type { LinkEvent } from "../../../../events";
import { log } from "../log";
import { errorMessage } from "../outbox/publish";

/** sendBatch takes at most 100 messages (and 256 KB: a click is well under 1 KB). */
export const CLICK_BATCH_SIZE = 100;
/** The longest a click waits for others to share its send. */
export const CLICK_BATCH_WINDOW_MS = 20;

// Pending clicks per queue binding (tests hand the Worker other queues than env's own).
const pending = new Map<Queue, LinkEvent[]>();

async function sendNow(queue: Queue, events: LinkEvent[]): Promise<void> {
  try {
    await queue.sendBatch(events.map((body) => ({ body, contentType: "json" as const })));
  } catch (error) {
    log.warn("click events not sent", { count: events.length, eventIds: events.map((e) => e.id), error: errorMessage(error) });
  }
}

/**
 * Sends a click together with the isolate's other clicks of the next few milliseconds: one
 * queue call per up to 100 clicks instead of one each, which under load is most of what a
 * redirect costs after its cached lookup. Called after the response (in waitUntil).
 *
 * The request that opens a batch sends it when the window closes; the one that fills it sends
 * it at once. Each send runs in the waitUntil of the request that makes it, and no request
 * awaits a promise another request created (the runtime ties I/O to the request that started it).
 */
export async function sendClickBatched(queue: Queue, event: LinkEvent): Promise<void> {
  const open = pending.get(queue);
  if (open) {
    open.push(event);
    if (open.length < CLICK_BATCH_SIZE) return;
    pending.delete(queue);
    await sendNow(queue, open);
    return;
  }
  const batch = [event];
  pending.set(queue, batch);
  await new Promise((resolve) => setTimeout(resolve, CLICK_BATCH_WINDOW_MS));
  // Already sent by the request that filled it.
  if (pending.get(queue) !== batch) return;
  pending.delete(queue);
  await sendNow(queue, batch);
}
