import { eventIdSchema } from "#events";
import { retryDelaySeconds } from "../../shared/backoff";
import { errorMessage, logger } from "../../shared/log";
import { newId } from "../../shared/ids";
import { recordDeadLettersStatement, reportDeliveriesStatement } from "./ledger-store";
import { CLICK_TOPIC, dlqName, REPORTS_QUEUE, SUBSCRIPTIONS, TOPIC } from "#contracts/fanout/subscriptions";

const log = logger("fanout");

/** Which subscriber a dead-letter queue belongs to, or null if it is not one of ours. */
export function subscriberOfDeadLetterQueue(queue: string): string | null {
  if (queue === dlqName(TOPIC.queue)) return TOPIC.subscriber;
  // The click topic's dead letters are the fan-out's too; a redrive sends them back to `click-events`.
  if (queue === dlqName(CLICK_TOPIC.queue)) return CLICK_TOPIC.subscriber;
  // Reports the ledger could not take in: kept for a look, never redriven as events.
  if (queue === dlqName(REPORTS_QUEUE)) return REPORTS_QUEUE;
  return SUBSCRIPTIONS.find((s) => dlqName(s.queue) === queue)?.subscriber ?? null;
}

function eventIdOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null || !("id" in body)) return null;
  const parsed = eventIdSchema.safeParse(body.id);
  return parsed.success ? parsed.data : null;
}

/**
 * Consumes every dead-letter queue: a message that exhausted its subscriber's
 * retries is kept whole (for redrive) and its delivery is marked `dead`; the
 * delivery keeps the last error the subscriber reported.
 */
export async function takeInDeadLetters(batch: MessageBatch<unknown>, env: FanoutEnv, subscriber: string): Promise<void> {
  const now = new Date().toISOString();
  const letters = batch.messages.map((message) => ({
    id: newId("dlq"),
    subscriber,
    eventId: eventIdOf(message.body),
    body: JSON.stringify(message.body) ?? "undefined",
    reason: "retries exhausted",
    attempts: message.attempts,
  }));
  const reports = letters.flatMap((l) => (l.eventId ? [{ eventId: l.eventId, subscriber, status: "dead" as const, attempts: 0 }] : []));
  try {
    await env.LEDGER_DB.batch([recordDeadLettersStatement(env.LEDGER_DB, letters, now), reportDeliveriesStatement(env.LEDGER_DB, reports, now)]);
  } catch (error) {
    log.error("could not record dead letters", { subscriber, error: errorMessage(error) });
    for (const message of batch.messages) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return;
  }
  for (const [i, message] of batch.messages.entries()) {
    log.warn("dead letter recorded", { subscriber, eventId: letters[i]?.eventId, outcome: "dead" });
    message.ack();
  }
}
