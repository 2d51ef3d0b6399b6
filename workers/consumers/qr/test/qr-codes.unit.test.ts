import { describe, expect, it } from "vitest";
import { renderQrSvg } from "../src/render-qr";
import { invalidInputAt, refusalOf } from "../../../../test/support/rpc-answers";
import { created, deleted, deliver, newLinkId, qrCodes, qrCodesRpc, stored, updated } from "./helpers";

const VARIANT = { size: 512, ecl: "H", fg: "#123", bg: "#FFFFF0" } as const;

async function renderedLink(slug: string) {
  const link = { id: newLinkId(), slug };
  await deliver([created(link, 2, "lnk.example")]);
  return link;
}

describe("QrCodes RPC: the stored code", () => {
  it("is pending until the consumer has made it", async () => {
    expect(await qrCodes.qrCode({ linkId: newLinkId(), slug: "nothing" })).toEqual({ status: "pending" });
  });

  it("returns the stored SVG with R2's ETag", async () => {
    const link = await renderedLink("served");
    const object = await stored(link.id);
    const result = await qrCodes.qrCode({ linkId: link.id, slug: "served" });
    expect(result).toEqual({ status: "ready", etag: object?.httpEtag, svg: await object?.text() });
  });

  it("answers not-modified for a matching If-None-Match (strong, weak, in a list, or *)", async () => {
    const link = await renderedLink("cached");
    const etag = (await stored(link.id))?.httpEtag ?? "";
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      expect(await qrCodes.qrCode({ linkId: link.id, slug: "cached", ifNoneMatch }), ifNoneMatch).toEqual({ status: "not-modified", etag });
    }
    expect(await qrCodes.qrCode({ linkId: link.id, slug: "cached", ifNoneMatch: '"other"' })).toMatchObject({ status: "ready", etag });
  });

  it("is pending while the stored code still shows an older slug, and ready once re-rendered", async () => {
    const link = await renderedLink("first");
    expect(await qrCodes.qrCode({ linkId: link.id, slug: "second" })).toEqual({ status: "pending" });
    await deliver([updated({ ...link, slug: "second", minute: 1 })]);
    expect(await qrCodes.qrCode({ linkId: link.id, slug: "second" })).toMatchObject({ status: "ready" });
    expect(await qrCodes.qrCode({ linkId: link.id, slug: "first" })).toEqual({ status: "pending" });
  });

  it("is pending once the link is deleted (the api answers 404 before asking)", async () => {
    const link = await renderedLink("deleted");
    await deliver([deleted({ ...link, minute: 1 })]);
    expect(await qrCodes.qrCode({ linkId: link.id, slug: "deleted" })).toEqual({ status: "pending" });
  });
});

describe("QrCodes RPC: variants", () => {
  it("renders the stored code's URL with the options, under its own stable ETag", async () => {
    const link = await renderedLink("variant");
    const storedEtag = (await stored(link.id))?.httpEtag;
    const result = await qrCodes.qrCode({ linkId: link.id, slug: "variant", options: VARIANT });
    expect(result).toEqual({ status: "ready", etag: expect.stringMatching(/^"[0-9a-f]{32}"$/), svg: renderQrSvg("https://lnk.example/variant?qr=1", VARIANT) });
    if (result.status !== "ready") return;
    expect(result.svg).toContain('width="512"');
    expect(result.svg).toContain("fill:#112233");
    expect(result.etag).not.toBe(storedEtag);
    // The same colours spelt differently are the same variant.
    const respelt = await qrCodes.qrCode({ linkId: link.id, slug: "variant", options: { ...VARIANT, fg: "#112233", bg: "#fffff0" } });
    expect(respelt).toMatchObject({ etag: result.etag });
    expect(await qrCodes.qrCode({ linkId: link.id, slug: "variant", options: VARIANT, ifNoneMatch: result.etag })).toEqual({
      status: "not-modified",
      etag: result.etag,
    });
    const other = await qrCodes.qrCode({ linkId: link.id, slug: "variant", options: { ...VARIANT, size: 256 } });
    expect(other).toMatchObject({ status: "ready" });
    expect(other.status === "ready" && other.etag).not.toBe(result.etag);
  });

  it("changes its ETag when the stored code is re-rendered", async () => {
    const link = await renderedLink("moving");
    const before = await qrCodes.qrCode({ linkId: link.id, slug: "moving", options: VARIANT });
    await deliver([updated({ ...link, slug: "moved", minute: 1 })]);
    const after = await qrCodes.qrCode({ linkId: link.id, slug: "moved", options: VARIANT });
    expect(after).toMatchObject({ status: "ready", svg: renderQrSvg("https://lnk.example/moved?qr=1", VARIANT) });
    expect(after.status === "ready" && before.status === "ready" && after.etag !== before.etag).toBe(true);
  });

  it("is pending, not rendered from nothing, before the stored code exists", async () => {
    expect(await qrCodes.qrCode({ linkId: newLinkId(), slug: "x", options: VARIANT })).toEqual({ status: "pending" });
  });
});

describe("QrCodes RPC: input", () => {
  it.each([
    [{ linkId: "lnk_short", slug: "s" }, "linkId"],
    [{ linkId: newLinkId(), slug: "" }, "slug"],
    [{ linkId: newLinkId(), slug: "s", options: { ...VARIANT, size: 4096 } }, "options.size"],
    [{ linkId: newLinkId(), slug: "s", options: { ...VARIANT, fg: "red" } }, "options.fg"],
    [{ linkId: newLinkId(), slug: "s", options: { ...VARIANT, fg: "#000", bg: "#000000" } }, "options.bg"],
    [{ linkId: newLinkId(), slug: "s", options: { ...VARIANT, fg: '#000" onload="x' } }, "options.fg"],
    [{ linkId: newLinkId(), slug: "s", extra: true }, ""],
  ])("refuses %j, naming the bad field", async (input, field) => {
    expect(refusalOf(await qrCodesRpc.qrCode(input))).toMatchObject(invalidInputAt(field));
  });
});
