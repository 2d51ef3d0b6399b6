import { createQueueHandler } from "../../../shared/consumer/run-consumer";
import { billingConsumer } from "./consumer";

export { Usage } from "./usage";

export default {
  async fetch() {
    return Response.json({ worker: "linkflow-billing", ok: true });
  },
  queue: createQueueHandler(billingConsumer),
} satisfies ExportedHandler<BillingEnv, unknown>;
