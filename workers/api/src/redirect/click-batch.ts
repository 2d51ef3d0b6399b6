import type { LinkEvent } from "../../../../events";
import { IsolateBatcher } from "../isolate-batch";
import { log } from "../log";
import { errorMessage } from "../outbox/publish";

/** sendBatch takes at most 100 messages (and 256 KB: a click is well under 1 KB). */
export const CLICK_BATCH_SIZE = 100;
/** The longest a click waits for others to share its send. */
export const CLICK_BATCH_WINDOW_MS = 20;

// Per queue binding: tests hand the Worker other queues than env's own.
const clicks = new IsolateBatcher<Queue, LinkEvent>(CLICK_BATCH_SIZE, CLICK_BATCH_WINDOW_MS, async (queue, events) => {
  try {
    await queue.sendBatch(events.map((body) => ({ body, contentType: "json" as const })));
  } catch (error) {
    log.warn("click events not sent", { count: events.length, eventIds: events.map((e) => e.id), error: errorMessage(error) });
  }
});

/**
 * Sends a click together with the isolate's other clicks of the next few milliseconds: one
 * queue call per up to 100 clicks instead of one each, which under load is most of what a
 * redirect costs after its cached lookup. Called after the response (in waitUntil).
 */
export function sendClickBatched(queue: Queue, event: LinkEvent): Promise<void> {
  return clicks.add(queue, [event]);
}
