import type { LinkEvent, LinkSnapshot } from "../../../../events";
import type { ConsumerSpec } from "../../../shared/consumer/consumer-spec";
import { qrConfigOf } from "./qr-config";
import type { QrState } from "./qr-state";
import { applyStateOrThrow, removeQr } from "./qr-store";

function stateOf(link: LinkSnapshot, eventId: string, domain: string): QrState {
  return { linkId: link.id, slug: link.slug, domain, updatedAt: link.updatedAt, eventId };
}

/** What one event means for the link's QR code. */
async function handleEvent(event: LinkEvent, env: QrEnv): Promise<void> {
  const { SHORT_BASE_URL } = qrConfigOf(env);
  switch (event.type) {
    case "LinkCreated": {
      // v1 carries no domain: SHORT_BASE_URL's host stands in until a v2 says otherwise.
      const domain = event.version === 2 ? event.data.domain : "";
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
      // Not subscribed (fanout/src/subscriptions.ts); a stray one is delivered and ignored.
      return;
  }
}

/**
 * No D1 and so no receipts: every effect is idempotent on its own. A repeated event
 * finds its own version stored (or the tombstone) and writes nothing.
 */
export const qrConsumer: ConsumerSpec<QrEnv> = {
  subscriber: "qr",
  reports: (env) => env.DELIVERY_REPORTS,
  perform: handleEvent,
  retry: { baseSeconds: 2, capSeconds: 300 },
};
