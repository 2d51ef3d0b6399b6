import { createQueueHandler } from "../../../shared/consumer/run-consumer";
import { analyticsConsumer } from "./consumer";

export { Stats } from "./stats";

export default {
  async fetch() {
    return Response.json({ worker: "linkflow-analytics", ok: true });
  },
  queue: createQueueHandler(analyticsConsumer),
} satisfies ExportedHandler<AnalyticsEnv, unknown>;
