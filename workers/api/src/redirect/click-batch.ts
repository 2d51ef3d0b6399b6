import type { LinkEvent } from "../../../../events";
import { IsolateBatcher } from "../isolate-batch";
import { log } from "../log";
import { errorMessage } from "../outbox/publish";

/** sendBatch takes at most 100 messages (and 256 KB: a click is well under 1 KB). */
export const CLICK_BATCH_SIZE = 100;
/** The longest a click waits for others to share its send. */
export const CLICK_BATCH_WINDOW_MS = 20;

/** A click as read from its request (plain values), made into its event by whoever sends the batch. */
export interface PendingClick {
  build(): Promise<LinkEvent>;
  traceId: string;
  linkId: string;
}

// Per queue binding: tests hand the Worker other queues than env's own.
const clicks = new IsolateBatcher<Queue, PendingClick>(CLICK_BATCH_SIZE, CLICK_BATCH_WINDOW_MS, async (queue, pending) => {
  const built = await Promise.allSettled(pending.map((click) => click.build()));
  const events: LinkEvent[] = [];
  built.forEach((result, i) => {
    if (result.status === "fulfilled") events.push(result.value);
    else log.warn("click event not built", { traceId: pending[i]?.traceId, linkId: pending[i]?.linkId, error: errorMessage(result.reason) });
  });
  if (events.length === 0) return;
  try {
    await queue.sendBatch(events.map((body) => ({ body, contentType: "json" as const })));
  } catch (error) {
    log.warn("click events not sent", { count: events.length, eventIds: events.map((e) => e.id), error: errorMessage(error) });
  }
});

/**
 * Queues a click with the isolate's other clicks of the next few milliseconds: one queue call
 * per up to 100 clicks, and one request context kept alive per batch rather than per click. The
 * answer is the send this request must keep alive, or null when another request sends it.
 */
export function sendClickBatched(queue: Queue, click: PendingClick): Promise<void> | null {
  return clicks.add(queue, [click]);
}
