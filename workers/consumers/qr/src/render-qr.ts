import QRCode from "qrcode-svg";
import { normaliseColour, qrOptionsSchema, DEFAULT_QR_OPTIONS, type QrOptions } from "#contracts/qr/codes";

export { normaliseColour };

/**
 * The one QR renderer: the consumer's stored artefact and the on-demand variants both
 * come from here, so a variant always encodes what the stored code encodes. Pure (no
 * Workers globals): the Node scan test imports it as is.
 */

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
