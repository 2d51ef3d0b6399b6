import { takeInDeadLetters, subscriberOfDeadLetterQueue } from "./dead-letter-intake";
import { chaosOf } from "../../shared/chaos";
import { logger } from "../../shared/log";
import { fanOut } from "./fan-out";
import { ledgerRetentionDaysOf, pruneLedger } from "./prune-ledger";
import { takeInReports } from "./report-intake";
import { CLICK_TOPIC, REPORTS_QUEUE, TOPIC } from "#contracts/fanout/subscriptions";

export { Ledger } from "./ledger";

export default {
  async fetch() {
    return Response.json({ worker: "linkflow-fanout", ok: true });
  },
  /** Hourly: finished ledger records past LEDGER_RETENTION_DAYS go, a bounded number a run. */
  async scheduled(controller, env) {
    const removed = await pruneLedger(env.LEDGER_DB, new Date(controller.scheduledTime), ledgerRetentionDaysOf(env));
    logger("fanout").info("ledger pruned", removed);
  },
  async queue(batch, env) {
    // The fan-out injects no fault itself; in a chaos run it still checks CHAOS and says it is on.
    chaosOf(env, "fanout");
    if (batch.queue === TOPIC.queue || batch.queue === CLICK_TOPIC.queue) return fanOut(batch, env);
    if (batch.queue === REPORTS_QUEUE) return takeInReports(batch, env);
    const subscriber = subscriberOfDeadLetterQueue(batch.queue);
    if (subscriber) return takeInDeadLetters(batch, env, subscriber);
    // A queue this Worker was never meant to consume: fail loudly, lose nothing.
    throw new Error(`linkflow-fanout does not consume queue ${batch.queue}`);
  },
} satisfies ExportedHandler<FanoutEnv, unknown>;
