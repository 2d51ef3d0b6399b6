import type { SubscriberName } from "#contracts/fanout/subscriptions";
import { retryDelaySeconds } from "../backoff";
import { errorMessage, logger } from "../log";
import type { Item } from "./batch-item";
import type { ConsumerSpec } from "./consumer-spec";
import { deliveryReport } from "./delivery-report";

type Log = ReturnType<typeof logger>;

interface SettleOptions {
  subscriber: SubscriberName;
  reports: Queue;
  retry?: ConsumerSpec<unknown>["retry"];
  log: Log;
}

/**
 * Reports every outcome to the ledger, then acks or retries each message and logs it. A
 * message retries when its outcome says so, when no step decided it, or when the report
 * could not be sent: its effects are committed with receipts, so the retry finds them
 * processed and reports again. An outcome's own delay wins; otherwise backoff with jitter.
 */
export async function settle(items: Item[], { subscriber, reports, retry, log }: SettleOptions): Promise<void> {
  let ledgerError: string | null = null;
  try {
    await reports.send(deliveryReport(subscriber, items), { contentType: "json" });
  } catch (error) {
    ledgerError = `report not sent: ${errorMessage(error)}`;
  }

  for (const { message, event, outcome } of items) {
    const fields = { traceId: event?.traceId ?? null, eventId: event?.id ?? null, consumer: subscriber, attempt: message.attempts };
    if (!outcome || outcome.kind === "retry" || ledgerError !== null) {
      const delaySeconds =
        outcome?.kind === "retry" && outcome.delaySeconds !== undefined
          ? outcome.delaySeconds
          : retryDelaySeconds(message.attempts, retry?.baseSeconds, retry?.capSeconds);
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
