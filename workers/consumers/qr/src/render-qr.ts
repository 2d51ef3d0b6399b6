import QRCode from "qrcode-svg";
import { z } from "zod";

/**
 * The one QR renderer: the consumer's stored artefact and the on-demand variants both
 * come from here, so a variant always encodes what the stored code encodes. Pure (no
 * Workers globals): the Node scan test imports it as is.
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

export function normaliseOptions(options: QrOptions): QrOptions {
  return { size: options.size, ecl: options.ecl, fg: normaliseColour(options.fg), bg: normaliseColour(options.bg) };
}

/**
 * An SVG of `text` as a QR code, `size` pixels square. The colours go into a style
 * attribute verbatim, so only options that passed `qrOptionsSchema` may reach here:
 * it is re-checked rather than trusted, since a stray quote would be markup.
 */
export function renderQrSvg(text: string, options: QrOptions = DEFAULT_QR_OPTIONS): string {
  const { size, ecl, fg, bg } = normaliseOptions(qrOptionsSchema.parse(options));
  return new QRCode({
    content: text,
    width: size,
    height: size,
    // The quiet zone of the QR spec: four modules of background around the code.
    padding: 4,
    ecl,
    color: fg,
    background: bg,
    // One <path> instead of a <rect> per module: a fraction of the bytes.
    join: true,
    pretty: false,
    container: "svg",
  }).svg();
}
