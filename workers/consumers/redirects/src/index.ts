import { createQueueHandler } from "../../../shared/consumer/run-consumer";
import { redirectsConsumer } from "./redirects-consumer";

export default {
  async fetch() {
    return Response.json({ worker: "linkflow-redirects", ok: true });
  },
  queue: createQueueHandler(redirectsConsumer),
} satisfies ExportedHandler<RedirectsEnv, unknown>;
