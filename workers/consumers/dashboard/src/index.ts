import { createQueueHandler } from "../../../shared/consumer/run-consumer";
import { dashboardConsumer } from "./consumer";

export default {
  async fetch() {
    return Response.json({ worker: "linkflow-dashboard", ok: true });
  },
  queue: createQueueHandler(dashboardConsumer),
} satisfies ExportedHandler<DashboardEnv, unknown>;
