import type { DeliveryReportMessage } from "#contracts/fanout/ledger-rpc";
import type { SubscriberName } from "#contracts/fanout/subscriptions";
import type { Item } from "./batch-item";

/** A dead letter's body in the report is capped: the ledger keeps it to show, not to replay bytes of any size. */
const INVALID_BODY_CHARS = 8_000;

/** The batch's outcomes for the ledger: one report per parsed event, one `invalid` per unparseable message. */
export function deliveryReport(subscriber: SubscriberName, items: Item[]): DeliveryReportMessage {
  return {
    subscriber,
    reports: items.flatMap(({ message, event, outcome }) => {
      if (!event || !outcome || outcome.kind === "invalid") return [];
      const status = outcome.kind === "delivered" ? ("delivered" as const) : ("retrying" as const);
      const duplicate = outcome.kind === "delivered" && outcome.duplicate;
      return [{ eventId: event.id, status, attempts: message.attempts, error: outcome.kind === "retry" ? outcome.error : null, duplicate }];
    }),
    invalid: items.flatMap(({ message, outcome }) =>
      outcome?.kind === "invalid"
        ? [{ body: (JSON.stringify(message.body) ?? "undefined").slice(0, INVALID_BODY_CHARS), reason: outcome.reason, attempts: message.attempts }]
        : [],
    ),
  };
}
