import { takeInDeadLetters, subscriberOfDeadLetterQueue } from "./dead-letter-intake";
import { fanOut } from "./fan-out";
import { takeInReports } from "./report-intake";
import { CLICK_TOPIC, REPORTS_QUEUE, TOPIC } from "./subscriptions";

export { Ledger } from "./ledger";

export default {
  async fetch() {
    return Response.json({ worker: "linkflow-fanout", ok: true });
  },
  async queue(batch, env) {
    if (batch.queue === TOPIC.queue || batch.queue === CLICK_TOPIC.queue) return fanOut(batch, env);
    if (batch.queue === REPORTS_QUEUE) return takeInReports(batch, env);
    const subscriber = subscriberOfDeadLetterQueue(batch.queue);
    if (subscriber) return takeInDeadLetters(batch, env, subscriber);
    // A queue this Worker was never meant to consume: fail loudly, lose nothing.
    throw new Error(`linkflow-fanout does not consume queue ${batch.queue}`);
  },
} satisfies ExportedHandler<FanoutEnv, unknown>;
