import { parseEvent, type LinkEvent } from "../../../events";
import { retryDelaySeconds } from "../backoff";
import { consumerFaults, type ConsumerFaults } from "../chaos";
import { errorMessage, logger } from "../log";
import type { DeliveryReportMessage } from "../../../contracts/fanout/ledger-rpc";
import type { ConsumerSpec, Outcome } from "./consumer-spec";
import { injectedFault } from "./fault-injection";
import { processedEventIds, receiptStatement } from "./receipts";

interface Item {
  message: Message<unknown>;
  event?: LinkEvent;
  outcome?: Outcome;
}

/**
 * The queue handler every consumer Worker uses. Per batch:
 * parse each envelope (an unparseable one is dead-lettered with its reason, not
 * retried) → skip events this consumer already processed (its receipts) → run the
 * per-event `perform`, then `performBatch` on all that are left → write the aggregated `effects` and the receipts in ONE D1
 * batch (falling back to one batch per event to isolate a failing one) → report
 * every outcome to the ledger (via `delivery-reports`) → ack or retry each message with backoff and jitter.
 * In a chaos run (the CHAOS var, ../chaos) attempts may fail first and D1 writes be refused.
 */
export function createQueueHandler<E>(spec: ConsumerSpec<E>) {
  const log = logger(spec.subscriber);

  return async function queue(batch: MessageBatch<unknown>, env: E): Promise<void> {
    const chaos = consumerFaults(env, spec.subscriber);
    const items: Item[] = batch.messages.map((message) => {
      const parsed = parseEvent(message.body);
      const item: Item = parsed.success
        ? { message, event: parsed.data }
        : { message, outcome: { kind: "invalid", reason: `invalid envelope: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}` } };
      // A chaos run's failure comes before anything is done (parsing only names the event in the report); 1 s as for injectedFault.
      const failure = chaos.deliveryFailure();
      if (failure) item.outcome = { kind: "retry", error: failure, delaySeconds: 1 };
      return item;
    });

    await process(items.filter((i) => !i.outcome), env, chaos);
    await settle(items, env);
  };

  async function process(items: Item[], env: E, chaos: ConsumerFaults): Promise<void> {
    // The same event twice in one batch is one event.
    const firstById = new Map<string, Item>();
    for (const item of items) {
      const id = item.event?.id ?? "";
      if (firstById.has(id)) item.outcome = { kind: "delivered", duplicate: true };
      else firstById.set(id, item);
    }
    for (const item of firstById.values()) {
      const fault = item.event ? injectedFault(item.event, env, spec.subscriber) : null;
      // No backoff for an injected fault (1 s: a 0 would fall back to the queue's retry_delay): its point is to reach the dead-letter queue quickly.
      if (fault) item.outcome = { kind: "retry", error: fault, delaySeconds: 1 };
    }
    let fresh = [...firstById.values()].filter((i) => !i.outcome);
    const real = spec.database?.(env);
    const db = real && chaos.database(real);
    if (db) {
      try {
        const done = await processedEventIds(db, spec.subscriber, fresh.map((i) => i.event?.id ?? ""));
        for (const item of fresh) if (done.has(item.event?.id ?? "")) item.outcome = { kind: "delivered", duplicate: true };
        fresh = fresh.filter((i) => !i.outcome);
      } catch (error) {
        for (const item of fresh) item.outcome = { kind: "retry", error: `receipts unavailable: ${errorMessage(error)}` };
        return;
      }
    }

    if (spec.perform) {
      for (const item of fresh) {
        try {
          if (item.event) await spec.perform(item.event, env);
        } catch (error) {
          item.outcome = { kind: "retry", error: errorMessage(error) };
        }
      }
      fresh = fresh.filter((i) => !i.outcome);
    }

    if (spec.performBatch && fresh.length > 0) {
      await performBatch(fresh, env);
      fresh = fresh.filter((i) => !i.outcome);
    }

    if (!db) {
      for (const item of fresh) item.outcome = { kind: "delivered", duplicate: false };
      return;
    }
    if (await commit(fresh, db, env)) return;
    // One of them poisons the aggregate: commit each alone so the others still land.
    for (const item of fresh) await commit([item], db, env);
  }

  async function performBatch(items: Item[], env: E): Promise<void> {
    let failed: Map<string, string>;
    let duplicates = new Set<string>();
    try {
      const result = await spec.performBatch?.(items.flatMap((i) => (i.event ? [i.event] : [])), env);
      failed = new Map(result?.failed.map((f) => [f.eventId, f.error]));
      duplicates = new Set(result?.duplicates);
    } catch (error) {
      failed = new Map(items.map((i) => [i.event?.id ?? "", errorMessage(error)]));
    }
    for (const item of items) {
      const id = item.event?.id ?? "";
      const error = failed.get(id);
      if (error !== undefined) item.outcome = { kind: "retry", error };
      else if (duplicates.has(id)) item.outcome = { kind: "delivered", duplicate: true };
    }
  }

  async function commit(items: Item[], db: D1Database, env: E): Promise<boolean> {
    if (items.length === 0) return true;
    const events = items.flatMap((i) => (i.event ? [i.event] : []));
    try {
      const effects = spec.effects ? await spec.effects(events, db, env) : [];
      await db.batch([...effects, receiptStatement(db, spec.subscriber, events.map((e) => e.id), new Date().toISOString())]);
      for (const item of items) item.outcome = { kind: "delivered", duplicate: false };
      return true;
    } catch (error) {
      if (items.length === 1 && items[0]) items[0].outcome = { kind: "retry", error: errorMessage(error) };
      return false;
    }
  }

  async function settle(items: Item[], env: E): Promise<void> {
    const report: DeliveryReportMessage = {
      subscriber: spec.subscriber as DeliveryReportMessage["subscriber"],
      reports: items.flatMap(({ message, event, outcome }) => {
        if (!event || !outcome || outcome.kind === "invalid") return [];
        const status = outcome.kind === "delivered" ? ("delivered" as const) : ("retrying" as const);
        const duplicate = outcome.kind === "delivered" && outcome.duplicate;
        return [{ eventId: event.id, status, attempts: message.attempts, error: outcome.kind === "retry" ? outcome.error : null, duplicate }];
      }),
      invalid: items.flatMap(({ message, outcome }) =>
        outcome?.kind === "invalid" ? [{ body: (JSON.stringify(message.body) ?? "undefined").slice(0, 8_000), reason: outcome.reason, attempts: message.attempts }] : [],
      ),
    };
    let ledgerError: string | null = null;
    try {
      await spec.reports(env).send(report, { contentType: "json" });
    } catch (error) {
      // Effects are committed with receipts: the retry finds them processed and reports again.
      ledgerError = `report not sent: ${errorMessage(error)}`;
    }

    for (const { message, event, outcome } of items) {
      const fields = { traceId: event?.traceId ?? null, eventId: event?.id ?? null, consumer: spec.subscriber, attempt: message.attempts };
      const retry = outcome?.kind === "retry" || (ledgerError !== null && outcome?.kind !== undefined) || !outcome;
      if (retry) {
        const delaySeconds =
          outcome?.kind === "retry" && outcome.delaySeconds !== undefined
            ? outcome.delaySeconds
            : retryDelaySeconds(message.attempts, spec.retry?.baseSeconds, spec.retry?.capSeconds);
        message.retry({ delaySeconds });
        const error = outcome?.kind === "retry" ? outcome.error : (ledgerError ?? "not processed");
        log.warn("event retried", { ...fields, outcome: "retry", delaySeconds, error });
      } else {
        message.ack();
        const status = outcome.kind === "invalid" ? "dead-lettered" : outcome.duplicate ? "duplicate" : "processed";
        log.info("event handled", { ...fields, type: event?.type ?? null, outcome: status, ...(outcome.kind === "invalid" ? { reason: outcome.reason } : {}) });
      }
    }
  }
}
