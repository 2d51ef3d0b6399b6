import { createQueueHandler } from "../../../shared/consumer/run-consumer";
import { analyticsConsumer } from "./consumer";
import { createScheduledHandler, SCHEDULED_JOBS } from "./scheduled";

export { Stats } from "./stats";

export default {
  async fetch() {
    return Response.json({ worker: "linkflow-analytics", ok: true });
  },
  queue: createQueueHandler(analyticsConsumer),
  scheduled: createScheduledHandler(SCHEDULED_JOBS),
} satisfies ExportedHandler<AnalyticsEnv, unknown>;
