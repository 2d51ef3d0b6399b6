import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { api, createLink, createTeam, eventRowsFor, expectError, unique, type LinkBody, type TestTeam } from "./helpers";

const previewPath = (link: LinkBody) => `/v1/links/${link.id}/preview`;

/** Hands the link's events of `type` from the outbox to the real preview Worker, as the fan-out would. */
async function deliverToPreview(link: LinkBody, type: string): Promise<void> {
  const rows = (await eventRowsFor(link.id)).filter((row) => row.type === type);
  expect(rows.length, `${type} rows for ${link.id}`).toBeGreaterThan(0);
  for (const row of rows) await env.TEST_PREVIEW_EVENTS.send(JSON.parse(row.envelope));
}

/** Asks until the preview is served (the preview Worker consumes its queue in the background). */
function whenServed(team: TestTeam, link: LinkBody): Promise<Response> {
  return vi.waitUntil(
    async () => {
      const res = await api(previewPath(link), { headers: team.auth });
      if (res.status === 200) return res;
      await res.arrayBuffer();
      return false;
    },
    { timeout: 5_000, interval: 25 },
  );
}

describe("GET /v1/links/:id/preview", () => {
  it("answers 202 with Retry-After until the consumer has fetched the page, then the preview", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/article", slug: unique("pv") });
    const pending = await api(previewPath(link), { headers: team.auth });
    expect(pending.status).toBe(202);
    expect(pending.headers.get("retry-after")).toBe("2");
    expect(await pending.json()).toEqual({ status: "pending" });

    await deliverToPreview(link, "LinkCreated");
    const res = await whenServed(team, link);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({
      linkId: link.id,
      url: "https://example.com/article",
      status: "ready",
      title: "Page at /article",
      description: null,
      image: "https://example.com/card.png",
      reason: null,
      source: "destination",
      fetchedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it("answers 202 again after the url changes, until the new page is fetched", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/first", slug: unique("pv") });
    await deliverToPreview(link, "LinkCreated");
    await (await whenServed(team, link)).arrayBuffer();

    const patched = await api(`/v1/links/${link.id}`, {
      method: "PATCH",
      headers: { ...team.auth, "content-type": "application/json" },
      body: JSON.stringify({ url: "https://example.com/second" }),
    });
    expect(patched.status).toBe(200);
    expect((await api(previewPath(link), { headers: team.auth })).status).toBe(202);
    await deliverToPreview(link, "LinkUpdated");
    expect(await (await whenServed(team, link)).json()).toMatchObject({ url: "https://example.com/second", title: "Page at /second" });
  });

  it("answers 404 for another team's link, a deleted link and an unknown id", async () => {
    const owner = await createTeam();
    const other = await createTeam("Other");
    const link = await createLink(owner, { url: "https://example.com/mine", slug: unique("pv") });
    await deliverToPreview(link, "LinkCreated");
    await (await whenServed(owner, link)).arrayBuffer();

    await expectError(await api(previewPath(link), { headers: other.auth }), 404, "not_found");
    await expectError(await api("/v1/links/lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC/preview", { headers: owner.auth }), 404, "not_found");
    await expectError(await api("/v1/links/not-an-id/preview", { headers: owner.auth }), 404, "not_found");

    expect((await api(`/v1/links/${link.id}`, { method: "DELETE", headers: owner.auth })).status).toBe(204);
    await expectError(await api(previewPath(link), { headers: owner.auth }), 404, "not_found");
  });

  it("needs an API key", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/auth", slug: unique("pv") });
    expect((await api(previewPath(link))).status).toBe(401);
  });
});
