import { z } from "zod";
import { linkIdSchema } from "#events";

/**
 * The qr service's contract: what a QR variant may ask for, and the QrCodes RPC's input and
 * answers. Dependency-free (zod and events/ only): the api validates query strings with these
 * schemas without bundling the renderer.
 */

export const QR_SIZE_RANGE = { min: 64, max: 2048 } as const;
export const QR_ECLS = ["L", "M", "Q", "H"] as const;

const HEX_COLOUR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

export const hexColourSchema = z.string().regex(HEX_COLOUR, "must be a hex colour, #rgb or #rrggbb");

/** Variant options; every field is required here, defaults are filled in by the callers' schemas. */
export const qrOptionsSchema = z
  .strictObject({
    size: z.number().int().min(QR_SIZE_RANGE.min).max(QR_SIZE_RANGE.max),
    ecl: z.enum(QR_ECLS),
    fg: hexColourSchema,
    bg: hexColourSchema,
  })
  // Same colour for modules and background is an image no scanner can read.
  .refine((o) => normaliseColour(o.fg) !== normaliseColour(o.bg), { message: "must differ from fg", path: ["bg"] });

export type QrOptions = z.infer<typeof qrOptionsSchema>;

export const DEFAULT_QR_OPTIONS: QrOptions = { size: 256, ecl: "M", fg: "#000000", bg: "#ffffff" };

/** `#ABC` and `#aabbcc` are one colour: one rendering, one ETag. */
export function normaliseColour(colour: string): string {
  const hex = colour.slice(1).toLowerCase();
  return `#${hex.length === 3 ? [...hex].map((c) => c + c).join("") : hex}`;
}

/** The QrCodes RPC input: parsed by the qr Worker, since it crosses a Worker boundary. */
export const qrRequestSchema = z.strictObject({
  linkId: linkIdSchema,
  /** The link's current slug (the caller's truth): a code for another slug is not served. */
  slug: z.string().min(1).max(64),
  /** The client's If-None-Match, as sent. */
  ifNoneMatch: z.string().max(2048).optional(),
  /** A variant; absent means the stored code itself. */
  options: qrOptionsSchema.optional(),
});
export type QrRequest = z.input<typeof qrRequestSchema>;

export type QrResult =
  /** Not rendered yet, or not yet re-rendered for the current slug. */
  { status: "pending" } | { status: "not-modified"; etag: string } | { status: "ready"; etag: string; svg: string };

/**
 * What a QR code encodes after the short URL, so the redirect can tell a scan from a click
 * (README "Link controls", QR scans). A query parameter, not a path form: every scanner and
 * camera app passes a URL's query through untouched, the redirect path needs no second route,
 * and a request to the slug with it (or without it) reaches the same link. Four bytes more in
 * the code. The redirect strips it before the request's query is passed on.
 */
export const QR_SCAN_PARAMETER = "qr=1";

/** The URL a link's QR code encodes: its short URL with the scan marker. */
export function qrScanUrl(shortUrl: string): string {
  return `${shortUrl}${shortUrl.includes("?") ? "&" : "?"}${QR_SCAN_PARAMETER}`;
}
