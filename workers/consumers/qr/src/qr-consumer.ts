import type { LinkEvent, LinkSnapshot } from "#events";
import type { ConsumerSpec, PerformBatchResult } from "../../../shared/consumer/consumer-spec";
import { errorMessage } from "../../../shared/log";
import { qrConfigOf } from "./qr-config";
import type { QrState } from "./qr-state";
import { applyStateOrThrow, hasReceipt, removeQr, writeReceipt } from "./qr-store";

function stateOf(link: LinkSnapshot, eventId: string, domain: string): QrState {
  return { linkId: link.id, slug: link.slug, domain, updatedAt: link.updatedAt, eventId };
}

/** What one event means for the link's QR code. */
async function handleEvent(event: LinkEvent, env: QrEnv): Promise<void> {
  const { SHORT_BASE_URL } = qrConfigOf(env);
  switch (event.type) {
    case "LinkCreated": {
      // v1 carries no domain: SHORT_BASE_URL's host stands in until a v2 (or later) says otherwise.
      const domain = event.version === 1 ? "" : event.data.domain;
      await applyStateOrThrow(env.QR_BUCKET, stateOf(event.data.link, event.id, domain), SHORT_BASE_URL);
      return;
    }
    case "LinkUpdated":
      // Only the slug is in the code; any other change leaves the stored object as it is.
      if (event.data.changed.includes("slug")) await applyStateOrThrow(env.QR_BUCKET, stateOf(event.data.link, event.id, ""), SHORT_BASE_URL);
      return;
    case "LinkDeleted":
      await removeQr(env.QR_BUCKET, event.data.linkId, event.data.deletedAt, event.id);
      return;
    case "LinkClicked":
    case "ClicksRecorded":
      // Not subscribed (contracts/fanout/subscriptions.ts); a stray one is delivered and ignored.
      return;
  }
}

/**
 * Every effect is idempotent on its own (a repeated event finds its version stored, or
 * the tombstone, and writes nothing); the R2 receipts only let the ledger count the
 * repeat as a duplicate. One event at a time, in batch order: two events of one link
 * in one batch then never race each other's conditional put.
 */
async function performBatch(events: LinkEvent[], env: QrEnv): Promise<PerformBatchResult> {
  const result: Required<PerformBatchResult> = { failed: [], duplicates: [] };
  for (const event of events) {
    try {
      if (await hasReceipt(env.QR_BUCKET, event.id)) {
        result.duplicates.push(event.id);
        continue;
      }
      await handleEvent(event, env);
      await writeReceipt(env.QR_BUCKET, event.id, event.type, event.subject);
    } catch (error) {
      result.failed.push({ eventId: event.id, error: errorMessage(error) });
    }
  }
  return result;
}

/** No D1: R2 holds the codes, their versions, tombstones and receipts (see qr-store.ts). */
export const qrConsumer: ConsumerSpec<QrEnv> = {
  subscriber: "qr",
  reports: (env) => env.DELIVERY_REPORTS,
  performBatch,
  retry: { baseSeconds: 2, capSeconds: 300 },
};
