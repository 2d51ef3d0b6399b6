// A link's QR code (GET /v1/links/:id/qr, an SVG that needs the API key, so no plain <img src>):
// fetched, shown as a data: image (the CSP's img-src allows data:, not blob:) and offered as a
// download of the same SVG.
import { element, messageOf } from "./dom.js";

/** @typedef {import("./api-client.js").ApiClient} ApiClient */

export class QrView {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    /** Which link the view shows, so a slow answer for a link left since is dropped. */
    this.linkId = "";
  }

  /** @param {ApiClient} client @param {{ id: string, slug: string }} link */
  async show(client, link) {
    this.linkId = link.id;
    this.root.replaceChildren(element("p", { className: "hint", text: "Making the QR code…" }));
    try {
      const svg = await client.qrSvg(link.id);
      if (this.linkId !== link.id) return;
      const source = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
      const image = element("img", { className: "qr-image", attrs: { alt: `QR code for /${link.slug}`, width: "192", height: "192" } });
      image.src = source;
      const download = element("a", { text: "Download SVG", className: "button-link", attrs: { download: `${link.slug}-qr.svg`, href: source } });
      this.root.replaceChildren(image, download);
    } catch (error) {
      if (this.linkId === link.id) this.root.replaceChildren(element("p", { className: "error", text: `QR code not available: ${messageOf(error)}` }));
    }
  }
}
