import { z } from "zod";
import { logger } from "../../../shared/log";
import { configOf } from "./config";
import type { DeliveryMessage } from "./delivery-message";

const log = logger("webhooks");

/** sendBatch takes 100 messages (and 256 KB: a delivery message is at most ~200 bytes). */
const MESSAGES_PER_SEND = 100;

/**
 * When a delivery's next message is due: its retry time, or its creation for a first
 * attempt. Written exactly as the expression of `webhook_deliveries_due_idx` (db/webhooks.ts),
 * so the search below reads that index, not the whole log.
 */
const DUE_AT = "CASE WHEN next_attempt_at IS NULL THEN created_at ELSE next_attempt_at END";
/** The index's condition, also word for word. */
const UNFINISHED = "status in ('pending', 'retrying')";

/**
 * Unfinished deliveries due before ?1 that no attempt holds at ?2, oldest due first, at most ?3.
 * Exported for the test that checks its query plan.
 */
export const STRANDED_QUERY = `SELECT id, endpoint_id AS endpointId, event_id AS eventId, status, attempts FROM webhook_deliveries
  WHERE ${UNFINISHED} AND ${DUE_AT} < ?1 AND (lease_until IS NULL OR lease_until <= ?2)
  ORDER BY ${DUE_AT} LIMIT ?3`;

const strandedSchema = z.object({
  id: z.string(),
  endpointId: z.string(),
  eventId: z.string(),
  status: z.enum(["pending", "retrying"]),
  attempts: z.number().int().min(0),
});
type Stranded = z.infer<typeof strandedSchema>;

export interface SweepOptions {
  /** How far past due a delivery must be before its message counts as lost. */
  graceSeconds: number;
  /** Deliveries re-queued per run at most; the rest wait for the next run. */
  limit: number;
}

export interface SweepCounts {
  /** First attempts re-queued (their message from the fan-out, a test send or a redelivery never came). */
  pending: number;
  /** Later attempts re-queued (the message a failed attempt sent for the next one never came). */
  retrying: number;
  /** More stranded deliveries than the limit: the next run takes the rest. */
  limited: boolean;
}

/**
 * Re-queues deliveries whose queue message was lost. Nothing else ever sends a delivery's
 * message again: once the event's receipt is written the event is not handed over again,
 * so a message lost by the queue (a purge, an incident, a local broker's restart) would leave
 * its delivery pending or retrying forever. A delivery counts as stranded once it is overdue
 * by more than the grace and no attempt holds its claim.
 *
 * The message is the one the delivery waits for (attempt = attempts + 1), so if the original
 * was only late, the two are copies and the claim lets one of them attempt. Each re-queued
 * delivery's next_attempt_at moves to now + grace, so one that is merely slow is re-queued
 * once per two graces rather than every minute. Messages go out before that update, as
 * everywhere in this Worker: if the update fails, the next run sends a harmless copy; in the
 * other order a failed send would hold its deliveries back two more graces for nothing.
 */
export async function requeueStrandedDeliveries(db: D1Database, queue: Queue<DeliveryMessage>, now: Date, options: SweepOptions): Promise<SweepCounts> {
  const at = now.toISOString();
  const dueBefore = new Date(now.getTime() - options.graceSeconds * 1000).toISOString();
  const pushedTo = new Date(now.getTime() + options.graceSeconds * 1000).toISOString();
  // One more than the limit tells whether any were left for the next run.
  const { results } = await db
    .prepare(STRANDED_QUERY)
    .bind(dueBefore, at, options.limit + 1)
    .all();
  const found = z.array(strandedSchema).parse(results);
  const stranded = found.slice(0, options.limit);
  for (let i = 0; i < stranded.length; i += MESSAGES_PER_SEND) {
    const chunk = stranded.slice(i, i + MESSAGES_PER_SEND);
    await queue.sendBatch(chunk.map((d) => ({ body: messageOf(d), contentType: "json" as const })));
    // Only rows still stranded: one attempted meanwhile already has its own next_attempt_at.
    await db
      .prepare(
        `UPDATE webhook_deliveries SET next_attempt_at = ?1
         WHERE id IN (SELECT value FROM json_each(?3)) AND ${UNFINISHED} AND ${DUE_AT} < ?2`,
      )
      .bind(pushedTo, dueBefore, JSON.stringify(chunk.map((d) => d.id)))
      .run();
  }
  return {
    pending: stranded.filter((d) => d.status === "pending").length,
    retrying: stranded.filter((d) => d.status === "retrying").length,
    limited: found.length > stranded.length,
  };
}

function messageOf(delivery: Stranded): DeliveryMessage {
  return { endpointId: delivery.endpointId, eventId: delivery.eventId, attempt: delivery.attempts + 1 };
}

/**
 * Every minute: deliveries whose queue message was lost are sent again (stranded-deliveries.ts).
 * The api's reconciler run asks for the same sweep over RPC (Webhooks.sweepStranded), so the one
 * clock `wrangler dev` can fire locally drives it too; a second sweep in the same minute finds
 * the rows the first pushed forward and sends nothing.
 */
export async function sweepStranded(env: WebhooksEnv, now: Date): Promise<SweepCounts> {
  const config = configOf(env);
  const counts = await requeueStrandedDeliveries(env.WEBHOOKS_DB, env.WEBHOOK_DELIVERIES, now, {
    graceSeconds: config.WEBHOOKS_STRANDED_AFTER_SECONDS,
    limit: config.WEBHOOKS_SWEEP_LIMIT,
  });
  // Every run, zeros too: a steady count above zero means messages are being lost.
  log.info("stranded deliveries re-queued", { requeued: counts.pending + counts.retrying, ...counts });
  return counts;
}
