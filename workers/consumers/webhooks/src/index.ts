import { createQueueHandler } from "../../../shared/consumer/run-consumer";
import { retryDelaySeconds } from "../../../shared/backoff";
import { logger } from "../../../shared/log";
import { attemptDelivery, deliveryMessageSchema } from "./deliver";
import { deliveryStatements } from "./event-deliveries";

export { Webhooks } from "./webhooks-rpc";

const log = logger("webhooks");

/** The `webhooks` subscriber: link events → delivery rows and messages (through the toolkit). */
const takeEvents = createQueueHandler<WebhooksEnv>({
  subscriber: "webhooks",
  reports: (env) => env.DELIVERY_REPORTS,
  database: (env) => env.WEBHOOKS_DB,
  effects: (events, db, env) => deliveryStatements(events, db, env.WEBHOOK_DELIVERIES),
});

/** `webhook-deliveries`: one HTTP attempt per message; each endpoint retries on its own schedule. */
async function deliver(batch: MessageBatch<unknown>, env: WebhooksEnv): Promise<void> {
  for (const message of batch.messages) {
    const parsed = deliveryMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      log.error("dropped a malformed delivery message", { body: JSON.stringify(message.body)?.slice(0, 500) ?? null });
      message.ack();
      continue;
    }
    try {
      const outcome = await attemptDelivery(env, parsed.data, new Date());
      if (outcome.kind === "retry") message.retry({ delaySeconds: outcome.delaySeconds });
      // The row may be one commit away (messages go out first); after a few tries it never will be.
      else if (outcome.kind === "not-yet-written" && message.attempts < 4) message.retry({ delaySeconds: 2 });
      else message.ack();
      log.info("webhook attempt", { ...parsed.data, attempt: message.attempts, outcome: outcome.kind });
    } catch (error) {
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      log.error("webhook attempt crashed", { ...parsed.data, error: error instanceof Error ? error.message : String(error) });
    }
  }
}

/** Messages the delivery queue gave up on (the handler crashed every time): their deliveries fail visibly. */
async function takeDeadDeliveries(batch: MessageBatch<unknown>, env: WebhooksEnv): Promise<void> {
  for (const message of batch.messages) {
    const parsed = deliveryMessageSchema.safeParse(message.body);
    if (parsed.success) {
      await env.WEBHOOKS_DB.prepare("UPDATE webhook_deliveries SET status = 'failed', last_error = coalesce(last_error, 'delivery kept crashing') WHERE endpoint_id = ? AND event_id = ? AND status != 'delivered'")
        .bind(parsed.data.endpointId, parsed.data.eventId)
        .run();
    }
    message.ack();
  }
}

export default {
  async fetch() {
    return Response.json({ worker: "linkflow-webhooks", ok: true });
  },
  async queue(batch, env) {
    if (batch.queue === "webhook-deliveries") return deliver(batch, env);
    if (batch.queue === "webhook-deliveries-dlq") return takeDeadDeliveries(batch, env);
    return takeEvents(batch, env);
  },
} satisfies ExportedHandler<WebhooksEnv, unknown>;
