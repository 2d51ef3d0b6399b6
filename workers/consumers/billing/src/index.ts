import { createQueueHandler } from "../../../shared/consumer/run-consumer";
import { pruneReceipts, receiptsRetentionDaysOf } from "../../../shared/consumer/prune-receipts";
import { logger } from "../../../shared/log";
import { billingConsumer } from "./consumer";

export { Usage } from "./usage";

const log = logger("billing");

export default {
  async fetch() {
    return Response.json({ worker: "linkflow-billing", ok: true });
  },
  /** Hourly: receipts past RECEIPTS_RETENTION_DAYS go (the usage ledger is kept: it is the bill). */
  async scheduled(controller, env) {
    const removed = await pruneReceipts(env.BILLING_DB, new Date(controller.scheduledTime), receiptsRetentionDaysOf(env));
    log.info("receipts pruned", removed);
  },
  queue: createQueueHandler(billingConsumer),
} satisfies ExportedHandler<BillingEnv, unknown>;
