import { consumerFaults } from "../chaos";
import { logger } from "../log";
import { undecided } from "./batch-item";
import { commitEffects } from "./commit-effects";
import type { ConsumerSpec } from "./consumer-spec";
import { injectedFault } from "./fault-injection";
import { firstOfEachEvent, parseBatch } from "./parse-batch";
import { perform, performBatch } from "./perform";
import { settle } from "./settle";
import { skipProcessed } from "./skip-processed";

/**
 * The queue handler every consumer Worker uses. Per batch, one step each (each decides some
 * items' outcomes; the next works on the undecided rest):
 * parse each envelope (an unparseable one is dead-lettered with its reason, not retried; a
 * repeat within the batch is a duplicate) → skip events this consumer already processed (its
 * receipts) → the per-event `perform`, then `performBatch` on all that are left → commit the
 * aggregated `effects` and the receipts in ONE D1 batch (falling back to one batch per event to
 * isolate a failing one) → settle: report every outcome to the ledger (via `delivery-reports`),
 * ack or retry each message with backoff and jitter.
 * In a chaos run (the CHAOS var, ../chaos) attempts may fail first and D1 writes be refused.
 */
export function createQueueHandler<E>(spec: ConsumerSpec<E>) {
  const log = logger(spec.subscriber);

  return async function queue(batch: MessageBatch<unknown>, env: E): Promise<void> {
    const chaos = consumerFaults(env, spec.subscriber);
    const items = parseBatch(batch.messages, () => chaos.deliveryFailure());
    const firsts = firstOfEachEvent(items);
    for (const item of firsts) {
      const fault = injectedFault(item.event, env, spec.subscriber);
      // No backoff for an injected fault (1 s: a 0 would fall back to the queue's retry_delay): its point is to reach the dead-letter queue quickly.
      if (fault) item.outcome = { kind: "retry", error: fault, delaySeconds: 1 };
    }

    const real = spec.database?.(env);
    const db = real && chaos.database(real);
    if (db) await skipProcessed(undecided(firsts), db, spec.subscriber);
    if (spec.perform) await perform(undecided(firsts), spec.perform.bind(spec), env);
    if (spec.performBatch) await performBatch(undecided(firsts), spec.performBatch.bind(spec), env);
    if (db) await commitEffects(undecided(firsts), db, spec.subscriber, spec.effects?.bind(spec), env);
    // Without a D1 the effects outside it were all there is: done.
    else for (const item of undecided(firsts)) item.outcome = { kind: "delivered", duplicate: false };

    await settle(items, { subscriber: spec.subscriber, reports: spec.reports(env), retry: spec.retry, log });
  };
}
