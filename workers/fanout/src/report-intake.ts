import { retryDelaySeconds } from "../../shared/backoff";
import { errorMessage, logger } from "../../shared/log";
import { newId } from "../../shared/ids";
import { deliveryReportSchema } from "#contracts/fanout/ledger-rpc";
import { recordDeadLettersStatement, reportDeliveriesStatement, type DeadLetterInput, type DeliveryReport } from "./ledger-store";

const log = logger("fanout");

/**
 * Consumes `delivery-reports`: every consumer's outcomes land in the ledger in one
 * D1 batch per queue batch. Reports are order-insensitive (a delivery's status only
 * moves forward), so duplicates and late arrivals are harmless.
 */
export async function takeInReports(batch: MessageBatch<unknown>, env: FanoutEnv): Promise<void> {
  const reports: DeliveryReport[] = [];
  const letters: DeadLetterInput[] = [];
  for (const message of batch.messages) {
    const parsed = deliveryReportSchema.safeParse(message.body);
    if (!parsed.success) {
      // A malformed report says nothing about any delivery; keep it as a dead letter to look at.
      letters.push({
        id: newId("dlq"),
        subscriber: "delivery-reports",
        eventId: null,
        body: JSON.stringify(message.body) ?? "undefined",
        reason: `invalid report: ${parsed.error.message.slice(0, 500)}`,
        attempts: message.attempts,
      });
      continue;
    }
    const { subscriber } = parsed.data;
    for (const r of parsed.data.reports) reports.push({ ...r, subscriber });
    for (const i of parsed.data.invalid) letters.push({ id: newId("dlq"), subscriber, eventId: null, body: i.body, reason: i.reason, attempts: i.attempts });
  }
  const now = new Date().toISOString();
  try {
    const db = env.LEDGER_DB;
    await db.batch([reportDeliveriesStatement(db, reports, now), recordDeadLettersStatement(db, letters, now)]);
  } catch (error) {
    log.error("could not record delivery reports", { error: errorMessage(error) });
    for (const message of batch.messages) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    return;
  }
  batch.ackAll();
}
