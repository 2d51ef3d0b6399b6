// The QR codes scan: SVGs from the qr Worker's own rendering modules are rasterised
// (resvg, a native Node module, hence this Node-side project) and decoded (jsqr) back to
// the exact short URL. The Worker stores storedQrSvg's output and renders variants with
// renderQrSvg; the api tests check the served bytes are exactly those.
import { describe, expect, it } from "vitest";
import { QR_ECLS, type QrOptions } from "#contracts/qr/codes";
import { renderQrSvg } from "../../workers/consumers/qr/src/render-qr";
import { qrTargetOf, shortUrlOf, storedQrSvg, type QrState } from "../../workers/consumers/qr/src/qr-state";
import { scanQrSvg as scan } from "../support/scan-qr";

const state = (slug: string, domain: string): QrState => ({
  linkId: "lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC",
  slug,
  domain,
  updatedAt: "2026-11-26T10:00:00.000Z",
  eventId: "evt_01JDQ8Z5W6KX3M9T4V7B2N1C0B",
});

describe("stored QR codes scan to the exact short URL, with the scan marker", () => {
  it.each([
    ["LinkCreated v2: the event's domain", state("launch", "lnk.example"), "https://api.example", "https://lnk.example/launch"],
    ["v1 or an update first: SHORT_BASE_URL", state("launch", ""), "https://lnk.example", "https://lnk.example/launch"],
    ["the committed base, deployed as is: https on the domain", state("launch", "lnk.example"), "http://localhost:8787", "https://lnk.example/launch"],
    ["npm run dev: the base's own host", state("launch", "localhost:8787"), "http://localhost:8787", "http://localhost:8787/launch"],
    ["the e2e stack (loopback, another port)", state("Ab3_x-9", "127.0.0.1:41234"), "http://localhost:8787", "http://127.0.0.1:41234/Ab3_x-9"],
    ["a base with a path", state("q", ""), "https://example.com/s/", "https://example.com/s/q"],
    ["the longest slug and a long domain", state("a--b_".repeat(12).concat("wxyz"), `${"sub".repeat(20)}.example.com`), "https://x.example", undefined],
  ])("%s", (_name, qrState, base, expected) => {
    const url = shortUrlOf(qrState, base);
    if (expected) expect(url).toBe(expected);
    // The code carries the scan marker after the short URL (contracts/qr/codes.ts), and scans with it.
    expect(qrTargetOf(qrState, base)).toBe(`${url}?qr=1`);
    const scanned = scan(storedQrSvg(qrState, base));
    expect(scanned?.text).toBe(`${url}?qr=1`);
    expect(scanned?.width).toBe(256);
  });
});

describe("variants scan too", () => {
  const url = "https://lnk.example/launch";

  it.each([
    { size: 512, ecl: "H", fg: "#123", bg: "#fffff0" },
    { size: 64, ecl: "L", fg: "#000000", bg: "#FFFFFF" },
    { size: 2048, ecl: "Q", fg: "#1a4d8f", bg: "#f5e6cc" },
    { size: 300, ecl: "M", fg: "#ffffff", bg: "#000000" },
  ] satisfies QrOptions[])("size $size, ecl $ecl, $fg on $bg", (options) => {
    // At 64 px a module is under 2 px: the vector is fine, one pixel per unit is not, so
    // the smallest size is scanned as a screen or printer would show it, enlarged.
    const scanned = scan(renderQrSvg(url, options), options.size < 128 ? 4 : 1);
    expect(scanned).toEqual({ text: url, width: options.size });
  });

  it("at every error-correction level", () => {
    for (const ecl of QR_ECLS) expect(scan(renderQrSvg(url, { size: 256, ecl, fg: "#000", bg: "#fff" }))?.text, ecl).toBe(url);
  });

  it("and the renderer refuses options that would not (or that would inject markup)", () => {
    expect(() => renderQrSvg(url, { size: 256, ecl: "M", fg: "#fff", bg: "#ffffff" })).toThrow(/must differ/);
    expect(() => renderQrSvg(url, { size: 256, ecl: "M", fg: '#000;" onload="alert(1)', bg: "#fff" })).toThrow(/hex colour/);
  });
});
