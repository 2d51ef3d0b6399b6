import { createQueueHandler } from "../../../shared/consumer/run-consumer";
import { receiptsRetentionDaysOf } from "../../../shared/consumer/prune-receipts";
import { logger } from "../../../shared/log";
import { pruneQrReceipts } from "./prune-receipts";
import { qrConsumer } from "./qr-consumer";

export { QrCodes } from "./qr-codes";

export default {
  async fetch() {
    return Response.json({ worker: "linkflow-qr", ok: true });
  },
  /** Hourly: receipts past RECEIPTS_RETENTION_DAYS go (codes and tombstones are kept: they are the state). */
  async scheduled(controller, env) {
    const removed = await pruneQrReceipts(env.QR_BUCKET, new Date(controller.scheduledTime), receiptsRetentionDaysOf(env));
    logger("qr").info("receipts pruned", removed);
  },
  queue: createQueueHandler(qrConsumer),
} satisfies ExportedHandler<QrEnv, unknown>;
