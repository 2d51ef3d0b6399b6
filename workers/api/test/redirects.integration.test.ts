import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { clickRecordsOf } from "#events";
import { redirectCache } from "../src/redirect/redirect-cache";
import {
  api,
  createLink,
  createTeam,
  expectError,
  fetchWithClickQueue,
  receivedClickBatches,
  receivedEvents,
  throwingQueue,
  unique,
  waitForBotCounts,
  waitForClicks,
  waitForEvents,
  type RecordedClick,
  type TestTeam,
} from "./helpers";

const BROWSER_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

/** Incoming Cloudflare edge data (`request.cf`), which the runtime passes through to the Worker. */
function withCf(init: RequestInit, cf: Record<string, unknown>): RequestInit {
  return { ...init, cf } as RequestInit;
}

async function clickOf(linkId: string): Promise<RecordedClick> {
  const [click] = await waitForClicks((c) => c.linkId === linkId);
  if (!click) throw new Error("no click");
  return click;
}

let shared: TestTeam | undefined;
async function team(): Promise<TestTeam> {
  shared ??= await createTeam("Redirects");
  return shared;
}

describe("GET /:slug", () => {
  it("answers 302 with the destination in Location", async () => {
    const link = await createLink(await team(), { url: "https://example.com/landing" });
    const res = await api(`/${link.slug}`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://example.com/landing");
    expect(res.headers.get("cache-control") ?? "").toMatch(/max-age=0|no-store|private/);
  });

  it("passes the query string on, merged after the destination's own query and before its fragment", async () => {
    const t = await team();
    const plain = await createLink(t, { url: "https://example.com/landing" });
    const withQuery = await createLink(t, { url: "https://example.com/p?a=1" });
    const withFragment = await createLink(t, { url: "https://example.com/doc#section-2" });
    expect((await api(`/${plain.slug}?utm_source=mail&utm_medium=x`)).headers.get("location")).toBe("https://example.com/landing?utm_source=mail&utm_medium=x");
    expect((await api(`/${withQuery.slug}?b=2`)).headers.get("location")).toBe("https://example.com/p?a=1&b=2");
    expect((await api(`/${withFragment.slug}?x=1`)).headers.get("location")).toBe("https://example.com/doc?x=1#section-2");
    // Without an incoming query the destination is untouched.
    expect((await api(`/${withQuery.slug}`)).headers.get("location")).toBe("https://example.com/p?a=1");
  });

  it("keeps the destination's own query byte-for-byte when it appends the incoming one", async () => {
    const link = await createLink(await team(), { url: "https://example.com/p?b=x%20y&flag&sig=a~b" });
    const location = (await api(`/${link.slug}?utm=1`)).headers.get("location") ?? "";
    // Re-serialising it (x%20y -> x+y, flag -> flag=, ~ -> %7E) would change what some destinations receive.
    expect(location.slice(0, "https://example.com/p?b=x%20y&flag&sig=a~b&".length)).toBe("https://example.com/p?b=x%20y&flag&sig=a~b&");
    expect(new URL(location).searchParams.get("utm")).toBe("1");
  });

  it("answers HEAD like GET, without a body", async () => {
    const link = await createLink(await team(), { url: "https://example.com/head" });
    const res = await api(`/${link.slug}?q=1`, { method: "HEAD" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://example.com/head?q=1");
    expect(await res.text()).toBe("");
  });

  it("answers 404 for unknown or impossible slugs", async () => {
    for (const path of ["/no-such-slug", "/%E2%9C%93", `/${"s".repeat(65)}`, "/a.b", "/%20"]) {
      await expectError(await api(path), 404, "not_found");
    }
  });

  it("answers 410 for a deleted link", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/deleted", slug: unique("deleted") });
    expect((await api(`/v1/links/${link.id}`, { method: "DELETE", headers: t.auth })).status).toBe(204);
    await expectError(await api(`/${link.slug}`), 410, "gone");
    expect((await api(`/${link.slug}`, { method: "HEAD" })).status).toBe(410);
  });

  it("answers 410 once a link has expired", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/expiring", expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect((await api(`/${link.slug}`)).status).toBe(302);
    // Time moves on past expiresAt (the redirect cache's clock, which every redirect reads).
    redirectCache.useClock(() => Date.now() + 120_000);
    try {
      await expectError(await api(`/${link.slug}`), 410, "gone");
    } finally {
      redirectCache.useClock(Date.now);
    }
    // The API still shows it (it is expired, not deleted).
    expect((await api(`/v1/links/${link.id}`, { headers: t.auth })).status).toBe(200);
  });

  it("never treats the Worker's own paths as slugs, even if such a row existed", async () => {
    const t = await team();
    const now = new Date().toISOString();
    for (const slug of ["healthz", "openapi.json", "docs"]) {
      await env.LINKS_DB.prepare(
        "INSERT INTO links (id, slug, team_id, url, tags, created_at, updated_at, last_event_id) VALUES (?, ?, ?, 'https://evil.example/', '[]', ?, ?, 'evt_none')",
      )
        .bind(
          `lnk_RESERVED${slug
            .replace(/[^a-z]/g, "")
            .toUpperCase()
            .padEnd(18, "0")
            .slice(0, 18)}`,
          slug,
          t.id,
          now,
          now,
        )
        .run();
    }
    const health = await api("/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const openapi = await api("/openapi.json");
    expect(openapi.status).toBe(200);
    expect(((await openapi.json()) as { openapi: string }).openapi).toMatch(/^3\.1/);
    const docs = await api("/docs");
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-type")).toMatch(/text\/html/);
    for (const res of [health, openapi, docs]) expect(res.headers.get("location")).toBeNull();
  });
});

describe("clicks on the click topic (ClicksRecorded)", () => {
  it("carry country, referrer host, user agent and a visitor hash, and never the IP", async () => {
    const link = await createLink(await team(), { url: "https://example.com/clicked" });
    const ip = "203.0.113.77";
    const res = await api(
      `/${link.slug}`,
      withCf(
        { headers: { "cf-connecting-ip": ip, "x-forwarded-for": ip, "user-agent": BROWSER_UA, referer: "https://news.ycombinator.com/item?id=42" } },
        { country: "DE" },
      ),
    );
    expect(res.status).toBe(302);
    const click = await clickOf(link.id);
    expect(click).toMatchObject({
      linkId: link.id,
      teamId: (await team()).id,
      slug: link.slug,
      country: "DE",
      referrerHost: "news.ycombinator.com",
      userAgent: BROWSER_UA,
      visitorHash: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const raw = JSON.stringify((await receivedClickBatches()).filter((b) => b.id === click.batchId));
    expect(raw).not.toContain(ip);
    expect(raw).not.toContain("203.0.113");
  });

  it("hashes visitors per IP and user agent without exposing either IP", async () => {
    const link = await createLink(await team(), { url: "https://example.com/visitors" });
    const ips = ["198.51.100.1", "198.51.100.1", "2001:db8::1"];
    for (const [i, ip] of ips.entries()) {
      await api(`/${link.slug}?n=${i}`, { headers: { "cf-connecting-ip": ip, "user-agent": BROWSER_UA } });
    }
    const clicks = await waitForClicks((c) => c.linkId === link.id, 3);
    // The salt is the UTC day: the two clicks of one visitor share a hash (unless midnight fell in between).
    const distinct = new Set(clicks.map((c) => c.visitorHash)).size;
    if (new Set(clicks.map((c) => c.occurredAt.slice(0, 10))).size === 1) expect(distinct).toBe(2);
    else expect(distinct).toBeGreaterThanOrEqual(2);
    const raw = JSON.stringify(await receivedClickBatches());
    for (const ip of ips) expect(raw).not.toContain(ip);
  });

  it("count HEAD requests and bot user agents per link, never as clicks of their own", async () => {
    const t = await team();
    const head = await createLink(t, { url: "https://example.com/head-bot" });
    const crawler = await createLink(t, { url: "https://example.com/ua-bot" });
    await api(`/${head.slug}`, { method: "HEAD", headers: { "user-agent": BROWSER_UA } });
    await api(`/${head.slug}`, { method: "HEAD" });
    await api(`/${crawler.slug}`, { headers: { "user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)" } });
    await api(`/${crawler.slug}`, withCf({ headers: { "user-agent": BROWSER_UA } }, { botManagement: { verifiedBot: true } }));
    expect(await waitForBotCounts(head.id, { bots: 0, heads: 2 })).toEqual({ bots: 0, heads: 2 });
    expect(await waitForBotCounts(crawler.id, { bots: 2, heads: 0 })).toEqual({ bots: 2, heads: 0 });
    const humans = (await receivedClickBatches()).flatMap(clickRecordsOf).filter((c) => c.linkId === head.id || c.linkId === crawler.id);
    expect(humans).toEqual([]);
  });

  it("have null fields when the request carries no referrer, user agent or country", async () => {
    const link = await createLink(await team(), { url: "https://example.com/bare" });
    await api(`/${link.slug}`, { headers: { referer: "not a url" } });
    expect(await clickOf(link.id)).toMatchObject({ country: null, referrerHost: null, userAgent: null });
  });

  it("carry no click for 404 or 410 answers", async () => {
    const t = await team();
    const gone = await createLink(t, { url: "https://example.com/gone-click" });
    expect((await api(`/v1/links/${gone.id}`, { method: "DELETE", headers: t.auth })).status).toBe(204);
    expect((await api(`/${gone.slug}`)).status).toBe(410);
    const sentinel = await createLink(t, { url: "https://example.com/sentinel" });
    await api(`/${sentinel.slug}`);
    await clickOf(sentinel.id);
    const batches = await receivedClickBatches();
    expect(batches.flatMap((b) => b.data.links).filter((l) => l.linkId === gone.id)).toEqual([]);
  });

  it("are no longer sent as LinkClicked on link-events", async () => {
    const link = await createLink(await team(), { url: "https://example.com/no-link-clicked" });
    await api(`/${link.slug}`, { headers: { "user-agent": BROWSER_UA } });
    await clickOf(link.id);
    await waitForEvents((e) => e.type === "LinkCreated" && e.subject === link.id);
    expect((await receivedEvents()).filter((e) => e.subject === link.id).map((e) => e.type)).toEqual(["LinkCreated"]);
  });

  it("still redirects when the click cannot be sent", async () => {
    const link = await createLink(await team(), { url: "https://example.com/queue-down" });
    const res = await fetchWithClickQueue(throwingQueue(), `/${link.slug}?x=1`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://example.com/queue-down?x=1");
  });
});
