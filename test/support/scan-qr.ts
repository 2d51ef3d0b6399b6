import { Resvg } from "@resvg/resvg-js";
import jsQR from "jsqr";

/**
 * Rasterises an SVG (resvg, at its own size unless zoomed) and decodes the QR code in it
 * (jsqr), as a phone would read it off a screen. `width` is the SVG's own width; null
 * when nothing scans. Node only: resvg is a native module.
 */
export function scanQrSvg(svg: string, zoom = 1): { text: string; width: number } | null {
  const image = new Resvg(svg, { fitTo: { mode: "zoom", value: zoom } }).render();
  const code = jsQR(new Uint8ClampedArray(image.pixels), image.width, image.height);
  return code ? { text: code.data, width: image.width / zoom } : null;
}
