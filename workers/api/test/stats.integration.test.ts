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
  qrScans: z.number().int(),
  timeseries: z.array(z.strictObject({ date: z.string(), clicks: z.number().int() })),
  countries: keyClicks,
  referrers: keyClicks,
  devices: keyClicks,
  browsers: keyClicks,
  os: keyClicks,
  cities: keyClicks,
  regions: keyClicks,
  rules: keyClicks,
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
      // Bridged as LinkClicked v1: no QR scan, no rule, no place (stats-places.integration.test.ts has them).
      qrScans: 0,
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
      cities: [{ key: "unknown", clicks: 3 }],
      regions: [{ key: "unknown", clicks: 3 }],
      rules: [],
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

const addDays = (day: string, days: number) => new Date(Date.parse(`${day}T00:00:00.000Z`) + days * 86_400_000).toISOString().slice(0, 10);
const hourNow = () => `${new Date().toISOString().slice(0, 13)}:00:00.000Z`;

describe("GET /v1/links/:id/stats?interval=hour", () => {
  it("answers a zero-filled series of UTC hours with the clicks in their hour, totals as with interval=day", async () => {
    const team = await createTeam("Hourly");
    const link = await createLink(team, { url: "https://example.com/hourly" });
    const before = hourNow();
    await click(link, { "user-agent": UA.safariMac, "cf-connecting-ip": "203.0.113.8" }, "DE");
    await click(link, { "user-agent": UA.chromeAndroid, "cf-connecting-ip": "198.51.100.10" }, "FR");
    await click(link, { "user-agent": UA.googlebot, "cf-connecting-ip": "66.249.66.2" });
    const after = hourNow();
    await deliverToAnalytics(link, 4);
    const daily = statsShape.parse(await linkStats(team, link, 3));

    const today = new Date().toISOString().slice(0, 10);
    const yesterday = addDays(today, -1);
    const res = await api(`/v1/links/${link.id}/stats?interval=hour&from=${yesterday}&to=${today}`, { headers: team.auth });
    expect(res.status).toBe(200);
    const hourly = statsShape.parse(await res.json());
    // 48 hours in order, each the hour's ISO instant.
    expect(hourly.timeseries.map((p) => p.date)).toEqual(
      Array.from({ length: 48 }, (_, h) => new Date(Date.parse(`${yesterday}T00:00:00.000Z`) + h * 3_600_000).toISOString()),
    );
    // Both human clicks in the hour they were made (two hours only if the clock struck between them); bots in none.
    const busy = hourly.timeseries.filter((p) => p.clicks > 0);
    expect(busy.reduce((sum, p) => sum + p.clicks, 0)).toBe(2);
    expect(busy.every((p) => p.date === before || p.date === after)).toBe(true);
    expect({ ...hourly, timeseries: [] }).toEqual({ ...daily, timeseries: [] });
    expect(hourly).toMatchObject({ clicks: 2, botClicks: 1 });

    // The default hourly range is the last 7 days, up to today's last hour.
    const week = statsShape.parse(await (await api(`/v1/links/${link.id}/stats?interval=hour`, { headers: team.auth })).json());
    expect(week.timeseries).toHaveLength(168);
    expect(week.timeseries[0]?.date).toBe(`${addDays(today, -6)}T00:00:00.000Z`);
    expect(week.timeseries.at(-1)?.date).toBe(`${today}T23:00:00.000Z`);
    // interval=day is the default's answer.
    const byDay = statsShape.parse(await (await api(`/v1/links/${link.id}/stats?interval=day`, { headers: team.auth })).json());
    expect(byDay).toEqual(daily);
    // Team-wide too.
    const teamWide = statsShape.parse(await (await api(`/v1/stats?interval=hour&from=${today}&to=${today}`, { headers: team.auth })).json());
    expect(teamWide.timeseries).toHaveLength(24);
    expect(teamWide.timeseries.reduce((sum, p) => sum + p.clicks, 0)).toBe(2);
  });

  it("refuses interval=hour over more than 7 days, further back than the hourly retention, and an unknown interval, naming the field", async () => {
    const team = await createTeam("Hourly ranges");
    const link = await createLink(team, { url: "https://example.com/hourly-ranges" });
    const at = (query: string) => api(`/v1/links/${link.id}/stats?${query}`, { headers: team.auth });
    const today = new Date().toISOString().slice(0, 10);
    const eight = await expectError(await at(`interval=hour&from=${addDays(today, -7)}&to=${today}`), 400, "invalid_request");
    expect(eight.issues).toEqual([{ path: "query.interval", message: "interval=hour covers at most 7 days (use interval=day)" }]);
    expect((await at(`interval=hour&from=${addDays(today, -6)}&to=${today}`)).status).toBe(200);
    const old = await expectError(await at(`interval=hour&from=${addDays(today, -40)}&to=${addDays(today, -38)}`), 400, "invalid_request");
    expect(old.issues).toEqual([{ path: "query.from", message: "interval=hour reaches back at most 30 days" }]);
    expect((await expectError(await at("interval=minute"), 400, "invalid_request")).issues?.map((i) => i.path)).toEqual(["query.interval"]);
    expect((await expectError(await api(`/v1/stats?interval=week`, { headers: team.auth }), 400, "invalid_request")).issues?.[0]?.path).toBe("query.interval");
    // The same range at interval=day is fine.
    expect((await at(`interval=day&from=${addDays(today, -7)}&to=${today}`)).status).toBe(200);
  });
});

describe("GET /v1/links/:id/stats?format=csv", () => {
  it("downloads section,key,clicks rows, RFC 4180 quoted, visitors' keys guarded against formulas", async () => {
    const team = await createTeam("Csv");
    const link = await createLink(team, { url: "https://example.com/csv" });
    // Referrer hosts are whatever the visitor's Referer names: a formula, a comma, a quote.
    await click(link, { "user-agent": UA.safariMac, "cf-connecting-ip": "203.0.113.9", referer: 'foo://=hyperlink(1+2),"x"/' }, "DE");
    await click(link, { "user-agent": UA.safariMac, "cf-connecting-ip": "203.0.113.9", referer: "https://-2+3.example/" }, "DE");
    await click(link, { "user-agent": UA.chromeAndroid, "cf-connecting-ip": "198.51.100.11", referer: 'https://a,b"c.example/' }, "FR");
    await click(link, { "user-agent": UA.googlebot, "cf-connecting-ip": "66.249.66.3" });
    await deliverToAnalytics(link, 5);
    await linkStats(team, link, 4);

    const today = new Date().toISOString().slice(0, 10);
    const from = addDays(today, -2);
    const res = await api(`/v1/links/${link.id}/stats?format=csv&from=${from}&to=${today}`, { headers: team.auth });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${link.slug}-stats-${from}-${today}.csv"`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const text = await res.text();
    expect(text.endsWith("\r\n")).toBe(true);
    const lines = text.slice(0, -2).split("\r\n");
    expect(lines).toEqual([
      "section,key,clicks",
      "total,,3",
      "uniqueVisitors,,2",
      "botClicks,,1",
      "qrScans,,0",
      `timeseries,${from},0`,
      `timeseries,${addDays(from, 1)},0`,
      `timeseries,${today},3`,
      "countries,DE,2",
      "countries,FR,1",
      // Ties by key, as in the JSON; each guarded (`'`) and quoted as it needs.
      "referrers,'-2+3.example,1",
      `referrers,"'=hyperlink(1+2),""x""",1`,
      `referrers,"a,b""c.example",1`,
      "devices,desktop,2",
      "devices,mobile,1",
      "browsers,Safari,2",
      "browsers,Chrome,1",
      "os,Mac OS,2",
      "os,Android,1",
      "cities,unknown,3",
      "regions,unknown,3",
    ]);

    // The CSV says what the JSON says.
    const json = statsShape.parse(await (await api(`/v1/links/${link.id}/stats?from=${from}&to=${today}`, { headers: team.auth })).json());
    expect(json.referrers.map((r) => r.key)).toEqual(["-2+3.example", '=hyperlink(1+2),"x"', 'a,b"c.example']);

    // Hourly CSV: one timeseries row per hour, keyed by the hour's instant.
    const hourly = await (await api(`/v1/links/${link.id}/stats?format=csv&interval=hour&from=${today}&to=${today}`, { headers: team.auth })).text();
    const hours = hourly.split("\r\n").filter((line) => line.startsWith("timeseries,"));
    expect(hours).toHaveLength(24);
    expect(hours[0]).toBe(`timeseries,${today}T00:00:00.000Z,0`);
  });

  it("refuses an unknown format with 400 naming it, and answers 404 in JSON for another team's link", async () => {
    const team = await createTeam("Csv formats");
    const other = await createTeam("Csv other");
    const link = await createLink(team, { url: "https://example.com/csv-formats" });
    for (const format of ["xml", "CSV", ""]) {
      const error = await expectError(await api(`/v1/links/${link.id}/stats?format=${format}`, { headers: team.auth }), 400, "invalid_request");
      expect(error.issues?.map((i) => i.path)).toEqual(["query.format"]);
    }
    expect((await api(`/v1/links/${link.id}/stats?format=json`, { headers: team.auth })).headers.get("content-type")).toMatch(/^application\/json/);
    await expectError(await api(`/v1/links/${link.id}/stats?format=csv`, { headers: other.auth }), 404, "not_found");
    // The team-wide stats have no CSV (a strict query).
    await expectError(await api("/v1/stats?format=csv", { headers: team.auth }), 400, "invalid_request");
  });
});
