import { z } from "zod";
import { eventIdSchema, isoDateTimeSchema, linkIdSchema } from "#events";
import { qrScanUrl } from "#contracts/qr/codes";
import { renderQrSvg } from "./render-qr";

/**
 * What a stored QR code shows, kept with it as R2 customMetadata: the slug and domain
 * it encodes and the version of the link it was rendered from. Pure (no Workers
 * globals), so the Node scan test renders exactly what the consumer stores.
 */
export const qrStateSchema = z.strictObject({
  linkId: linkIdSchema,
  slug: z.string().min(1).max(64),
  /** The short domain from LinkCreated v2; "" until one is seen (then SHORT_BASE_URL's host is used). */
  domain: z.string().max(253),
  /** The link's updatedAt and the event that carried it: the version, compared newest-wins. */
  updatedAt: isoDateTimeSchema,
  eventId: eventIdSchema,
});
export type QrState = z.infer<typeof qrStateSchema>;

/** Newer link versions win; the event id breaks a tie the same way in every order. */
export function isNewer(a: QrState, b: QrState): boolean {
  const at = Date.parse(a.updatedAt) - Date.parse(b.updatedAt);
  return at !== 0 ? at > 0 : a.eventId > b.eventId;
}

/**
 * The state after seeing `incoming`, whatever order the events came in: the slug of the
 * newest version, and the domain from whichever event carried it (a link's domain never
 * changes, and LinkUpdated does not carry it).
 */
export function mergeState(stored: QrState | null, incoming: QrState): QrState {
  if (!stored) return incoming;
  const newest = isNewer(incoming, stored) ? incoming : stored;
  return { ...newest, domain: stored.domain || incoming.domain };
}

export function sameState(a: QrState, b: QrState): boolean {
  return a.linkId === b.linkId && a.slug === b.slug && a.domain === b.domain && a.updatedAt === b.updatedAt && a.eventId === b.eventId;
}

const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/**
 * The short URL the code encodes, equal to the api's `shortUrl`. The link's domain
 * (LinkCreated v2) is a bare host: on SHORT_BASE_URL's host it takes that base's scheme
 * and path; elsewhere https, except the local stack's loopback hosts, which serve plain
 * http. Without a domain (v1, or an update seen first), SHORT_BASE_URL itself.
 */
export function shortUrlOf(state: Pick<QrState, "slug" | "domain">, shortBaseUrl: string): string {
  const base = new URL(shortBaseUrl);
  const host = (state.domain || base.host).toLowerCase();
  if (host === base.host) return `${base.protocol}//${host}${base.pathname.replace(/\/+$/, "")}/${state.slug}`;
  return `${LOOPBACK_HOST.test(host) ? "http:" : "https:"}//${host}/${state.slug}`;
}

/**
 * What the code encodes: the short URL with the scan marker (contracts/qr/codes.ts), so the
 * redirect counts a visit through the code as a QR scan. Objects rendered before the marker
 * existed keep encoding the bare short URL until their link's slug changes: those scans count as
 * plain clicks, and still redirect.
 */
export function qrTargetOf(state: Pick<QrState, "slug" | "domain">, shortBaseUrl: string): string {
  return qrScanUrl(shortUrlOf(state, shortBaseUrl));
}

/**
 * The stored artefact: the default rendering plus a comment naming the version. Two
 * states then never share bytes, so never an ETag, which the compare-and-swap put in
 * qr-store.ts relies on. (Only ids and a timestamp go in: a slug may contain "--".)
 */
export function storedQrSvg(state: QrState, shortBaseUrl: string): string {
  return `${renderQrSvg(qrTargetOf(state, shortBaseUrl))}\n<!-- ${state.linkId} ${state.updatedAt} ${state.eventId} -->\n`;
}
