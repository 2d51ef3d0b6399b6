import { mergeState, qrStateSchema, sameState, storedQrSvg, type QrState } from "./qr-state";

/**
 * The QR service's R2 layout: `qr/<linkId>.svg` is the published artefact (what the
 * api serves), `qr-deleted/<linkId>` a tombstone that keeps a late LinkCreated or
 * LinkUpdated from bringing a deleted link's code back, `qr-receipts/<eventId>` one per
 * processed event, so a redelivery is reported as the duplicate it is.
 */
export const qrKey = (linkId: string) => `qr/${linkId}.svg`;
export const tombstoneKey = (linkId: string) => `qr-deleted/${linkId}`;
export const receiptKey = (eventId: string) => `qr-receipts/${eventId}`;
export const SVG_CONTENT_TYPE = "image/svg+xml";

/** The state a stored object shows; null when its metadata is missing or not ours (then any event replaces it). */
export function storedState(object: R2Object): QrState | null {
  const parsed = qrStateSchema.safeParse(object.customMetadata ?? {});
  return parsed.success ? parsed.data : null;
}

export type ApplyResult = "rendered" | "unchanged" | "deleted";

/**
 * Renders the link's code if `incoming` changes what is stored. Order-insensitive: an
 * older version loses to the stored one (mergeState), a tombstone wins over everything.
 * Concurrency-safe: the put only lands if the object is still the one that was read
 * (ETag compare-and-swap; "*" = still absent), else this throws and the retry re-reads.
 */
export async function applyStateOrThrow(bucket: R2Bucket, incoming: QrState, shortBaseUrl: string): Promise<ApplyResult> {
  const key = qrKey(incoming.linkId);
  if (await bucket.head(tombstoneKey(incoming.linkId))) return "deleted";
  const current = await bucket.head(key);
  const stored = current ? storedState(current) : null;
  const next = mergeState(stored, incoming);
  if (stored && sameState(next, stored)) return "unchanged";

  const written = await bucket.put(key, storedQrSvg(next, shortBaseUrl), {
    httpMetadata: { contentType: SVG_CONTENT_TYPE },
    customMetadata: next,
    onlyIf: current ? { etagMatches: current.etag } : { etagDoesNotMatch: "*" },
  });
  if (!written) throw new Error(`${key} changed while it was rendered; the retry renders from the newer state`);

  // A LinkDeleted handled between the tombstone check and the put: it wrote its
  // tombstone before deleting, so seeing none now means its delete comes after ours.
  if (await bucket.head(tombstoneKey(incoming.linkId))) {
    await bucket.delete(key);
    return "deleted";
  }
  return "rendered";
}

/** Deletion is final (links are never undeleted): tombstone first, then the artefact. */
export async function removeQr(bucket: R2Bucket, linkId: string, deletedAt: string, eventId: string): Promise<void> {
  await bucket.put(tombstoneKey(linkId), JSON.stringify({ linkId, deletedAt, eventId }), {
    httpMetadata: { contentType: "application/json" },
    customMetadata: { deletedAt, eventId },
  });
  await bucket.delete(qrKey(linkId));
}

export async function hasReceipt(bucket: R2Bucket, eventId: string): Promise<boolean> {
  return (await bucket.head(receiptKey(eventId))) !== null;
}

/** Written after the effect: a failure in between only repeats an idempotent effect. */
export async function writeReceipt(bucket: R2Bucket, eventId: string, type: string, linkId: string): Promise<void> {
  await bucket.put(receiptKey(eventId), "", { customMetadata: { type, linkId, processedAt: new Date().toISOString() } });
}
