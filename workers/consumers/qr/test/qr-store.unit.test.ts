import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { storedQrSvg, type QrState } from "../src/qr-state";
import { applyStateOrThrow, qrKey } from "../src/qr-store";
import { BASE, newLinkId } from "./helpers";

const state = (linkId: string, slug: string, minute: number, eventId: string): QrState => ({
  linkId,
  slug,
  domain: "",
  updatedAt: new Date(Date.parse("2026-11-26T10:00:00.000Z") + minute * 60_000).toISOString(),
  eventId,
});

describe("the R2 behaviour the compare-and-swap relies on", () => {
  it("a put conditional on absence ('*') or on a stale ETag lands nothing", async () => {
    const key = `cas-test/${crypto.randomUUID()}`;
    expect(await env.QR_BUCKET.put(key, "first", { onlyIf: { etagDoesNotMatch: "*" } })).not.toBeNull();
    expect(await env.QR_BUCKET.put(key, "second", { onlyIf: { etagDoesNotMatch: "*" } })).toBeNull();
    const read = await env.QR_BUCKET.head(key);
    await env.QR_BUCKET.put(key, "meanwhile");
    expect(await env.QR_BUCKET.put(key, "stale", { onlyIf: { etagMatches: read?.etag ?? "" } })).toBeNull();
    expect(await (await env.QR_BUCKET.get(key))?.text()).toBe("meanwhile");
  });

  it("two versions of the same code never share bytes, so never an ETag", () => {
    const linkId = newLinkId();
    const a = storedQrSvg(state(linkId, "same", 1, "evt_01JG0000000000000000000001"), BASE);
    const b = storedQrSvg(state(linkId, "same", 2, "evt_01JG0000000000000000000002"), BASE);
    expect(a).not.toBe(b);
  });
});

describe("applyStateOrThrow", () => {
  it("renders, then keeps the newest version whatever arrives later, and says what it did", async () => {
    const linkId = newLinkId();
    const newer = state(linkId, "new", 2, "evt_01JG0000000000000000000002");
    expect(await applyStateOrThrow(env.QR_BUCKET, newer, BASE)).toBe("rendered");
    expect(await applyStateOrThrow(env.QR_BUCKET, state(linkId, "old", 1, "evt_01JG0000000000000000000001"), BASE)).toBe("unchanged");
    expect(await applyStateOrThrow(env.QR_BUCKET, newer, BASE)).toBe("unchanged");
    expect((await env.QR_BUCKET.head(qrKey(linkId)))?.customMetadata).toEqual(newer);
  });

  it("replaces an object whose metadata is not a QR state", async () => {
    const linkId = newLinkId();
    await env.QR_BUCKET.put(qrKey(linkId), "<svg/>", { customMetadata: { note: "written by hand" } });
    const incoming = state(linkId, "fixed", 0, "evt_01JG0000000000000000000003");
    expect(await applyStateOrThrow(env.QR_BUCKET, incoming, BASE)).toBe("rendered");
    expect(await (await env.QR_BUCKET.get(qrKey(linkId)))?.text()).toBe(storedQrSvg(incoming, BASE));
  });
});
