import { createQueueHandler } from "../../../shared/consumer/run-consumer";
import { qrConsumer } from "./qr-consumer";

export { QrCodes } from "./qr-codes";

export default {
  async fetch() {
    return Response.json({ worker: "linkflow-qr", ok: true });
  },
  queue: createQueueHandler(qrConsumer),
} satisfies ExportedHandler<QrEnv, unknown>;
