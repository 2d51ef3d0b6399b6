import { clickCountsOf, clickRecordsOf, parseLogEvent, type LogEvent } from "#events";
import { retryDelaySeconds } from "../../shared/backoff";
import { errorMessage, logger } from "../../shared/log";
import { isSampledTrace, sampleRateSchema } from "../../shared/log-sampling";
import { newId } from "../../shared/ids";
import { openDeliveriesStatement, recordDeadLettersStatement, recordEventsStatement, type DeadLetterInput } from "./ledger-store";
import { SUBSCRIPTIONS, TOPIC } from "#contracts/fanout/subscriptions";

const log = logger("fanout");

/** sendBatch takes at most 100 messages and 256 KB; stay under both. */
const MAX_SEND_MESSAGES = 100;
const MAX_SEND_BYTES = 200_000;

function chunksForSend(events: LogEvent[]): LogEvent[][] {
  const chunks: LogEvent[][] = [];
  let current: LogEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = JSON.stringify(event).length;
    if (current.length > 0 && (current.length >= MAX_SEND_MESSAGES || bytes + size > MAX_SEND_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

export async function sendToQueue(queue: Queue, events: LogEvent[]): Promise<void> {
  for (const chunk of chunksForSend(events)) {
    await queue.sendBatch(chunk.map((body) => ({ body, contentType: "json" as const })));
  }
}

export function queueOf(env: FanoutEnv, binding: string): Queue {
  const queue: unknown = Reflect.get(env, binding);
  if (!queue || typeof queue !== "object" || !("sendBatch" in queue)) throw new Error(`queue binding ${binding} is missing`);
  return queue as Queue;
}

/**
 * One line per message: a lifecycle event with its trace id; a click batch with its counts, and
 * the detail of its sampled clicks only (Workers Logs bill per line; errors are logged in full).
 */
function logFannedOut(event: LogEvent, attempt: number, sampleRate: number): void {
  if (event.type !== "ClicksRecorded") {
    log.info("fanned out", { traceId: event.traceId, eventId: event.id, type: event.type, attempt, outcome: "ack" });
    return;
  }
  log.info("clicks fanned out", { traceId: event.traceId, eventId: event.id, type: event.type, ...clickCountsOf(event), attempt, outcome: "ack" });
  if (sampleRate === 0) return;
  for (const click of clickRecordsOf(event)) {
    if (isSampledTrace(click.traceId, sampleRate))
      log.info("click sampled", { traceId: click.traceId, eventId: event.id, clickEventId: click.eventId, linkId: click.linkId, teamId: click.teamId });
  }
}

/**
 * Consumes the `link-events` topic and the `click-events` click topic: validates each envelope, records it and a
 * pending delivery per subscriber in the ledger, then re-publishes it to every
 * subscribed queue. An invalid envelope becomes a dead letter with its reason at
 * once (retrying cannot fix it) and never holds up the rest of the batch.
 * Audit events (TeamCreated, ApiKeyMinted, ...) are valid and recorded in the ledger
 * like any other, but no subscription lists their types, so no queue gets them.
 * A ClicksRecorded batch is one message, one ledger row (its summary) and one delivery per
 * subscriber of clicks, however many clicks it packs.
 */
export async function fanOut(batch: MessageBatch<unknown>, env: FanoutEnv): Promise<void> {
  const now = new Date().toISOString();
  const valid: { message: Message<unknown>; event: LogEvent }[] = [];
  const invalid: { message: Message<unknown>; letter: DeadLetterInput }[] = [];
  for (const message of batch.messages) {
    const parsed = parseLogEvent(message.body);
    if (parsed.success) valid.push({ message, event: parsed.data });
    else {
      const reason = `invalid envelope: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`;
      const body = JSON.stringify(message.body) ?? "undefined";
      const eventId =
        typeof message.body === "object" && message.body !== null && "id" in message.body && typeof message.body.id === "string"
          ? message.body.id.slice(0, 64)
          : null;
      invalid.push({ message, letter: { id: newId("dlq"), subscriber: TOPIC.subscriber, eventId, body, reason, attempts: message.attempts } });
    }
  }

  if (invalid.length > 0) {
    try {
      await env.LEDGER_DB.batch([
        recordDeadLettersStatement(
          env.LEDGER_DB,
          invalid.map((i) => i.letter),
          now,
        ),
      ]);
      for (const { message, letter } of invalid) {
        log.warn("dead-lettered invalid envelope", { messageId: message.id, eventId: letter.eventId, reason: letter.reason, outcome: "dead" });
        message.ack();
      }
    } catch (error) {
      for (const { message } of invalid) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      log.error("could not record dead letters", { error: errorMessage(error) });
    }
  }
  if (valid.length === 0) return;

  const events = valid.map((v) => v.event);
  try {
    const routes = SUBSCRIPTIONS.map((s) => ({ subscription: s, events: events.filter((e) => (s.types as readonly string[]).includes(e.type)) }));
    await env.LEDGER_DB.batch([
      recordEventsStatement(env.LEDGER_DB, events, now),
      openDeliveriesStatement(
        env.LEDGER_DB,
        routes.flatMap((r) => r.events.map((e) => ({ eventId: e.id, subscriber: r.subscription.subscriber }))),
        now,
      ),
    ]);
    for (const route of routes) {
      if (route.events.length > 0) await sendToQueue(queueOf(env, route.subscription.binding), route.events);
    }
  } catch (error) {
    // Some subscribers may have their copy already; they dedupe on the event id.
    for (const { message, event } of valid) {
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      log.warn("fan-out failed, retrying", {
        traceId: event.traceId,
        eventId: event.id,
        attempt: message.attempts,
        outcome: "retry",
        error: errorMessage(error),
      });
    }
    return;
  }
  const sampleRate = sampleRateSchema.catch(0).parse(Reflect.get(env, "CLICK_LOG_SAMPLE_RATE"));
  for (const { message, event } of valid) {
    message.ack();
    logFannedOut(event, message.attempts, sampleRate);
  }
}
