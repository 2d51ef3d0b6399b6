import { createQueueHandler } from "../../../shared/consumer/run-consumer";
import { previewConsumer } from "./preview-consumer";

export { Previews } from "./previews";

export default {
  async fetch() {
    return Response.json({ worker: "linkflow-preview", ok: true });
  },
  queue: createQueueHandler(previewConsumer),
} satisfies ExportedHandler<PreviewEnv, unknown>;
