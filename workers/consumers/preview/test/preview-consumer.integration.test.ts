import { describe, expect, it } from "vitest";
import { created, deleted, deliver, newLinkId, previews, reportFor, reportsFor, requested, stored, updated } from "./helpers";

const SITE = "https://site.example";

async function previewAfterCreate(url: string) {
  const link = { id: newLinkId(), url };
  const result = await deliver([created(link)]);
  expect(result.explicitAcks).toHaveLength(1);
  return { link, preview: await stored(link.id) };
}

describe("a page with Open Graph tags", () => {
  it("is stored ready with its og:title, og:description and og:image", async () => {
    const { link, preview } = await previewAfterCreate(`${SITE}/og`);
    expect(preview).toMatchObject({
      status: "ready",
      url: link.url,
      title: "The OG title",
      description: "The OG description",
      image: "https://cdn.site.example/card.png",
      reason: null,
    });
    expect(await previews.preview({ linkId: link.id, url: link.url })).toEqual({ ok: true, value: { status: "stored", preview } });
  });

  it("falls back to <title> and the meta description, whitespace squeezed", async () => {
    const { preview } = await previewAfterCreate(`${SITE}/plain`);
    expect(preview).toMatchObject({ status: "ready", title: "Plain title", description: "Plain description", image: null });
  });

  it("makes a relative og:image absolute against the page's URL", async () => {
    const { preview } = await previewAfterCreate(`${SITE}/relative-img`);
    expect(preview).toMatchObject({ status: "ready", title: "Rel", image: "https://site.example/img/a.png" });
  });

  it("reads the head of a page larger than the cap", async () => {
    const { preview } = await previewAfterCreate(`${SITE}/huge-head`);
    expect(preview).toMatchObject({ status: "ready", title: "The OG title" });
  });

  it("follows a redirect to a public page and resolves the image against the final URL", async () => {
    const { preview } = await previewAfterCreate(`${SITE}/redirect?to=${encodeURIComponent("https://other.example/relative-img")}`);
    expect(preview).toMatchObject({ status: "ready", image: "https://other.example/img/a.png" });
  });
});

describe("a page that cannot be previewed is stored failed, with the reason", () => {
  it.each([
    ["/json", /^not an HTML page \(application\/json\)$/],
    ["/missing", /^destination answered 404$/],
    ["/huge", /^no metadata in the first 256 KB/],
    ["/slow", /^timed out after 1000 ms$/],
    ["/loop/0", /^more than 3 redirects$/],
  ])("%s", async (path, reason) => {
    const { link, preview } = await previewAfterCreate(`${SITE}${path}`);
    expect(preview).toMatchObject({ status: "failed", title: null, description: null, image: null });
    expect(preview?.reason).toMatch(reason);
    // Answered, not pending: the api shows the failure instead of 202 forever.
    expect(await previews.preview({ linkId: link.id, url: link.url })).toMatchObject({ ok: true, value: { status: "stored" } });
  });

  it("never calls a private address: literal, resolved, or reached by a redirect", async () => {
    const urls = [
      "http://10.0.0.5/og",
      "http://169.254.169.254/latest/meta-data",
      "https://private.example/og",
      "http://localhost:8080/og",
      `${SITE}/redirect?to=${encodeURIComponent("http://169.254.169.254/latest")}`,
    ];
    for (const url of urls) {
      const { preview } = await previewAfterCreate(url);
      expect(preview?.status).toBe("failed");
      expect(preview?.reason).toMatch(/^refused: /);
    }
    const seen = await requested();
    expect(seen).toContain(`${SITE}/redirect?to=${encodeURIComponent("http://169.254.169.254/latest")}`);
    expect(seen.filter((u) => /10\.0\.0\.5|169\.254|private\.example|localhost/.test(new URL(u).host))).toEqual([]);
  });
});

describe("link changes", () => {
  it("refetches when the url changes, not for other fields; the old url's preview reads as pending meanwhile", async () => {
    const link = { id: newLinkId(), url: `${SITE}/plain` };
    await deliver([created(link)]);
    const moved = { ...link, url: `${SITE}/og`, minute: 1 };
    expect(await previews.preview({ linkId: link.id, url: moved.url })).toEqual({ ok: true, value: { status: "pending" } });

    await deliver([updated({ ...link, minute: 1 }, ["title"])]);
    expect((await stored(link.id))?.title).toBe("Plain title");
    await deliver([updated(moved, ["url"])]);
    expect(await stored(link.id)).toMatchObject({ url: moved.url, title: "The OG title" });
  });

  it("accepts the older versions too: LinkCreated v2 fetches, LinkUpdated v1 refetches on a url change", async () => {
    const link = { id: newLinkId(), url: `${SITE}/plain` };
    expect((await deliver([created(link, 2)])).explicitAcks).toHaveLength(1);
    expect(await stored(link.id)).toMatchObject({ status: "ready", title: "Plain title" });
    await deliver([updated({ ...link, url: `${SITE}/og`, minute: 1 }, ["url"], 1)]);
    expect(await stored(link.id)).toMatchObject({ url: `${SITE}/og`, title: "The OG title" });
  });

  it("an older event arriving late changes nothing", async () => {
    const link = { id: newLinkId(), url: `${SITE}/plain` };
    await deliver([updated({ ...link, url: `${SITE}/og`, minute: 5 }, ["url"])]);
    await deliver([created(link)]);
    expect(await stored(link.id)).toMatchObject({ url: `${SITE}/og`, title: "The OG title" });
  });

  it("LinkDeleted removes the preview", async () => {
    const link = { id: newLinkId(), url: `${SITE}/og` };
    await deliver([created(link)]);
    expect(await stored(link.id)).not.toBeNull();
    const event = deleted({ ...link, minute: 2 });
    await deliver([event]);
    expect(await stored(link.id)).toBeNull();
    expect(await previews.preview({ linkId: link.id, url: link.url })).toEqual({ ok: true, value: { status: "pending" } });
    expect(await reportFor(event.id)).toMatchObject({ status: "delivered" });
  });

  it("a redelivered event is harmless: same preview, no second fetch, reported to the ledger as a duplicate", async () => {
    const link = { id: newLinkId(), url: `${SITE}/og?redelivered=${newLinkId()}` };
    const event = created(link);
    await deliver([event]);
    const first = await stored(link.id);
    const result = await deliver([event]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await stored(link.id)).toEqual(first);
    expect((await requested()).filter((u) => u === link.url)).toHaveLength(1);
    expect((await reportsFor(event.id, 2)).map((r) => [r.status, r.duplicate])).toEqual([
      ["delivered", false],
      ["delivered", true],
    ]);
  });
});

describe("the Previews entrypoint", () => {
  it("refuses an invalid input with its issues", async () => {
    const answer = await previews.preview({ linkId: "nope" });
    expect(answer).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    expect(answer.ok ? [] : (answer.error.issues ?? []).map((i) => i.path)).toEqual(expect.arrayContaining(["linkId", "url"]));
  });
});
