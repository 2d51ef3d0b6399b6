import { createQueueHandler } from "../../../shared/consumer/run-consumer";
import { pruneReceipts, receiptsRetentionDaysOf } from "../../../shared/consumer/prune-receipts";
import { retryDelaySeconds } from "../../../shared/backoff";
import { errorMessage, logger } from "../../../shared/log";
import { configOf } from "./config";
import { attemptDelivery, type DeliveryContext } from "./deliver";
import { deliveryMessageSchema } from "./delivery-message";
import { resolverFor } from "../../../shared/url-safety/dns-resolver";
import { planDeliveries } from "./event-deliveries";
import { pruneDeliveryLog } from "./prune-log";
import { sweepStranded } from "./stranded-deliveries";

export { Webhooks } from "./webhooks-rpc";

const log = logger("webhooks");
/** A message whose delivery row never shows up belongs to a fan-out commit that failed (its event is retried with new messages). */
const MISSING_ROW_TRIES = 5;

/** The `webhooks` subscriber: link events → delivery rows, whose messages the toolkit sends before it commits them. */
const takeEvents = createQueueHandler<WebhooksEnv>({
  subscriber: "webhooks",
  reports: (env) => env.DELIVERY_REPORTS,
  database: (env) => env.WEBHOOKS_DB,
  effects: (events, db, env) => planDeliveries(events, db, env.WEBHOOK_DELIVERIES),
});

/** `webhook-deliveries`: one HTTP attempt per message, all of a batch at once, each on its own. */
async function deliver(batch: MessageBatch<unknown>, env: WebhooksEnv): Promise<void> {
  const ctx = (): DeliveryContext => ({
    env,
    now: new Date(),
    resolver: resolverFor(configOf(env).WEBHOOKS_DNS_RESOLVER),
    schedule: async (message, delaySeconds) => {
      await env.WEBHOOK_DELIVERIES.send(message, { delaySeconds, contentType: "json" });
    },
  });
  await Promise.all(
    batch.messages.map(async (message) => {
      const parsed = deliveryMessageSchema.safeParse(message.body);
      if (!parsed.success) {
        log.error("dropped a malformed delivery message", { body: JSON.stringify(message.body)?.slice(0, 500) ?? null });
        message.ack();
        return;
      }
      try {
        const outcome = await attemptDelivery(ctx(), parsed.data);
        const giveUp = outcome.kind === "wait" && outcome.why === "row-missing" && message.attempts >= MISSING_ROW_TRIES;
        if (outcome.kind === "wait" && !giveUp) message.retry({ delaySeconds: outcome.delaySeconds });
        else message.ack();
        log.info("webhook attempt", { ...parsed.data, outcome: outcome.kind, detail: outcome.kind === "attempted" ? outcome.verdict : outcome.why });
      } catch (error) {
        // A crash is ours, not the endpoint's: the same attempt again, until the queue gives it to the dead-letter queue.
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
        log.error("webhook attempt crashed", { ...parsed.data, error: errorMessage(error) });
      }
    }),
  );
}

/** Messages the delivery queue gave up on (the handler crashed every time): their deliveries fail visibly. */
async function takeDeadDeliveries(batch: MessageBatch<unknown>, env: WebhooksEnv): Promise<void> {
  for (const message of batch.messages) {
    const parsed = deliveryMessageSchema.safeParse(message.body);
    if (parsed.success) {
      // Only the message of the delivery's next attempt fails it; a dead copy of an old one changes nothing.
      await env.WEBHOOKS_DB.prepare(
        `UPDATE webhook_deliveries SET status = 'failed', last_error = 'the delivery kept crashing', next_attempt_at = NULL, lease_token = NULL, lease_until = NULL
         WHERE endpoint_id = ? AND event_id = ? AND attempts = ? AND status IN ('pending', 'retrying')`,
      )
        .bind(parsed.data.endpointId, parsed.data.eventId, parsed.data.attempt - 1)
        .run();
    }
    message.ack();
  }
}

/** The crons of wrangler.toml [triggers], one job each. */
const SWEEP_CRON = "* * * * *";
const PRUNE_CRON = "17 * * * *";

/** Hourly: the delivery log and the receipts, each past its own retention; neither stops the other. */
async function prune(env: WebhooksEnv, now: Date): Promise<void> {
  const [deliveryLog, receipts] = await Promise.allSettled([
    pruneDeliveryLog(env.WEBHOOKS_DB, now, configOf(env).WEBHOOKS_LOG_RETENTION_DAYS),
    pruneReceipts(env.WEBHOOKS_DB, now, receiptsRetentionDaysOf(env)),
  ]);
  if (deliveryLog.status === "fulfilled") log.info("delivery log pruned", deliveryLog.value);
  if (receipts.status === "fulfilled") log.info("receipts pruned", receipts.value);
  for (const outcome of [deliveryLog, receipts]) if (outcome.status === "rejected") throw outcome.reason;
}

export default {
  async fetch() {
    return Response.json({ worker: "linkflow-webhooks", ok: true });
  },
  async scheduled(controller, env) {
    const now = new Date(controller.scheduledTime);
    if (controller.cron === SWEEP_CRON) return void (await sweepStranded(env, now));
    if (controller.cron === PRUNE_CRON) return prune(env, now);
    // A cron with no job would otherwise do nothing, unnoticed.
    throw new Error(`no job for the cron "${controller.cron}": wrangler.toml [triggers] and src/index.ts disagree`);
  },
  async queue(batch, env) {
    if (batch.queue === "webhook-deliveries") return deliver(batch, env);
    if (batch.queue === "webhook-deliveries-dlq") return takeDeadDeliveries(batch, env);
    return takeEvents(batch, env);
  },
} satisfies ExportedHandler<WebhooksEnv, unknown>;
