import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { api, createLink, createTeam, expectError, waitForEvents, type LinkBody, type TestTeam } from "./helpers";
import { clicksAsLinkClicked, forward, waitForJson } from "./consumers-helpers";

const UA = {
  safariMac: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  chromeAndroid: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
  googlebot: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
};

const keyClicks = z.array(z.strictObject({ key: z.string(), clicks: z.number().int() }));
const statsShape = z.strictObject({
  clicks: z.number().int(),
  uniqueVisitors: z.number().int(),
  botClicks: z.number().int(),
  timeseries: z.array(z.strictObject({ date: z.string(), clicks: z.number().int() })),
  countries: keyClicks,
  referrers: keyClicks,
  devices: keyClicks,
  browsers: keyClicks,
  os: keyClicks,
});
type StatsBody = z.infer<typeof statsShape>;

/** A real click over HTTP, with the edge's country as `request.cf` carries it. */
async function click(link: LinkBody, headers: Record<string, string>, country?: string): Promise<void> {
  const res = await api(`/${link.slug}`, { headers, ...(country ? { cf: { country } } : {}) } as RequestInit);
  expect(res.status).toBe(302);
}

/** The link's events as the api published them (LinkCreated, then its clicks), handed to the analytics Worker's queue. */
async function deliverToAnalytics(link: LinkBody, count: number): Promise<void> {
  const created = await waitForEvents((e) => e.subject === link.id);
  // The analytics Worker here reads clicks as LinkClicked v1 (in flight): the batches are bridged.
  await forward(env.TEST_ANALYTICS_EVENTS, [...created, ...(await clicksAsLinkClicked(link.id, count - created.length))]);
}

const linkStats = (team: TestTeam, link: LinkBody, total: number) =>
  waitForJson<StatsBody>(`/v1/links/${link.id}/stats`, team.auth, (s) => s.clicks + s.botClicks === total);

describe("GET /v1/links/:id/stats", () => {
  it("answers the exact stats of real clicks once the analytics Worker has them", async () => {
    const team = await createTeam("Stats");
    const link = await createLink(team, { url: "https://example.com/stats" });
    const alice = { "user-agent": UA.safariMac, "cf-connecting-ip": "203.0.113.7", referer: "https://news.ycombinator.com/item?id=1" };
    await click(link, alice, "DE");
    await click(link, alice, "DE");
    await click(link, { "user-agent": UA.chromeAndroid, "cf-connecting-ip": "198.51.100.9" }, "FR");
    await click(link, { "user-agent": UA.googlebot, "cf-connecting-ip": "66.249.66.1" });
    await deliverToAnalytics(link, 5);

    const stats = statsShape.parse(await linkStats(team, link, 4));
    const today = new Date().toISOString().slice(0, 10);
    expect(stats.timeseries).toHaveLength(30);
    expect(stats.timeseries.at(-1)).toEqual({ date: today, clicks: 3 });
    expect(stats.timeseries.slice(0, -1).every((d) => d.clicks === 0)).toBe(true);
    expect({ ...stats, timeseries: [] }).toEqual({
      clicks: 3,
      uniqueVisitors: 2,
      botClicks: 1,
      timeseries: [],
      countries: [
        { key: "DE", clicks: 2 },
        { key: "FR", clicks: 1 },
      ],
      referrers: [
        { key: "news.ycombinator.com", clicks: 2 },
        { key: "direct", clicks: 1 },
      ],
      devices: [
        { key: "desktop", clicks: 2 },
        { key: "mobile", clicks: 1 },
      ],
      browsers: [
        { key: "Safari", clicks: 2 },
        { key: "Chrome", clicks: 1 },
      ],
      os: [
        { key: "Mac OS", clicks: 2 },
        { key: "Android", clicks: 1 },
      ],
    });

    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const past = await api(`/v1/links/${link.id}/stats?from=${yesterday}&to=${yesterday}`, { headers: team.auth });
    expect(await past.json()).toMatchObject({ clicks: 0, botClicks: 0, timeseries: [{ date: yesterday, clicks: 0 }] });
  });

  it("answers 404 for another team's link, a deleted link and an id that is not a link id", async () => {
    const owner = await createTeam("Owner");
    const other = await createTeam("Other");
    const link = await createLink(owner, { url: "https://example.com/mine" });
    await expectError(await api(`/v1/links/${link.id}/stats`, { headers: other.auth }), 404, "not_found");
    await expectError(await api("/v1/links/lnk_nope/stats", { headers: owner.auth }), 404, "not_found");
    expect((await api(`/v1/links/${link.id}/stats`, { headers: owner.auth })).status).toBe(200);
    expect((await api(`/v1/links/${link.id}`, { method: "DELETE", headers: owner.auth })).status).toBe(204);
    await expectError(await api(`/v1/links/${link.id}/stats`, { headers: owner.auth }), 404, "not_found");
    await expectError(await api(`/v1/links/${link.id}/stats`), 401, "unauthorized");
  });

  it("refuses a bad range with 400 and names the field", async () => {
    const team = await createTeam("Ranges");
    const link = await createLink(team, { url: "https://example.com/range" });
    const at = (query: string) => api(`/v1/links/${link.id}/stats?${query}`, { headers: team.auth });
    expect((await expectError(await at("from=2026-11-05&to=2026-11-01"), 400, "invalid_request")).issues).toEqual([
      { path: "query.from", message: "must not be after to" },
    ]);
    expect((await expectError(await at("from=2025-01-01&to=2026-01-02"), 400, "invalid_request")).issues?.[0]?.path).toBe("query.to");
    expect((await expectError(await at("from=2026-02-30"), 400, "invalid_request")).issues?.[0]?.path).toBe("query.from");
    await expectError(await at("from=yesterday"), 400, "invalid_request");
    await expectError(await at("since=2026-01-01"), 400, "invalid_request");
    const year = await at("from=2025-01-01&to=2026-01-01");
    expect(((await year.json()) as StatsBody).timeseries).toHaveLength(366);
  });
});

describe("GET /v1/stats", () => {
  it("totals the team's links and nobody else's", async () => {
    const team = await createTeam("Totals");
    const stranger = await createTeam("Stranger");
    const [a, b] = [await createLink(team, { url: "https://example.com/a" }), await createLink(team, { url: "https://example.com/b" })];
    const theirs = await createLink(stranger, { url: "https://example.com/theirs" });
    const visitor = { "user-agent": UA.safariMac, "cf-connecting-ip": "192.0.2.44" };
    await click(a, visitor, "US");
    await click(b, visitor, "US");
    await click(theirs, visitor, "US");
    await deliverToAnalytics(a, 2);
    await deliverToAnalytics(b, 2);
    await deliverToAnalytics(theirs, 2);

    await linkStats(stranger, theirs, 1);
    const totals = statsShape.parse(await waitForJson<StatsBody>("/v1/stats", team.auth, (s) => s.clicks === 2));
    // One visitor of two links on one day is one unique visitor team-wide.
    expect(totals).toMatchObject({ clicks: 2, uniqueVisitors: 1, botClicks: 0, countries: [{ key: "US", clicks: 2 }] });
    const fresh = await createTeam("Fresh");
    expect(await (await api("/v1/stats", { headers: fresh.auth })).json()).toMatchObject({ clicks: 0, uniqueVisitors: 0, countries: [] });
  });
});
