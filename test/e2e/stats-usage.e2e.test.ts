import { describe, expect, it } from "vitest";
import { api, baseUrl, createLink, createTeam, deliveries, eventIdOf, eventually } from "./client";

const UA = {
  safariMac: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  chromeAndroid: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
  googlebot: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
};

interface Stats {
  clicks: number;
  uniqueVisitors: number;
  botClicks: number;
  timeseries: { date: string; clicks: number }[];
  countries: { key: string; clicks: number }[];
  referrers: { key: string; clicks: number }[];
  devices: { key: string; clicks: number }[];
  browsers: { key: string; clicks: number }[];
  os: { key: string; clicks: number }[];
}

async function click(slug: string, headers: Record<string, string>, method = "GET"): Promise<void> {
  const res = await fetch(`${baseUrl}/${slug}`, { method, headers, redirect: "manual" });
  await res.arrayBuffer();
  expect(res.status).toBe(302);
}

describe("stats and usage on the real stack", () => {
  it("counts links created once billing has them, and real clicks exactly once analytics has them", async () => {
    const team = await createTeam("E2E stats", "free");
    const link = await createLink(team, { url: "https://example.com/e2e-stats" });
    await api.post("/v1/links/bulk", team, { links: [{ url: "https://example.com/e2e-1" }, { url: "https://example.com/e2e-2" }] });

    const created = await eventIdOf(team, link.id, "LinkCreated");
    await eventually(
      async () => (await deliveries(team, created)).some((d) => d.subscriber === "billing" && d.status === "delivered"),
      "billing to record the LinkCreated",
    );
    const usage = await eventually(async () => {
      const u = await api.get<{ linksCreated: number }>("/v1/usage", team);
      return u.linksCreated === 3 && u;
    }, "usage to count the three links");
    expect(usage).toEqual({ plan: "free", period: new Date().toISOString().slice(0, 7), linksCreated: 3, linkLimit: 1000 });

    const alice = { "user-agent": UA.safariMac, referer: "https://news.ycombinator.com/item?id=1" };
    await click(link.slug, alice);
    await click(link.slug, alice);
    await click(link.slug, { "user-agent": UA.chromeAndroid });
    await click(link.slug, { "user-agent": UA.googlebot });
    await click(link.slug, { "user-agent": UA.safariMac }, "HEAD");

    const stats = await eventually(async () => {
      const s = await api.get<Stats>(`/v1/links/${link.id}/stats`, team);
      return s.clicks + s.botClicks === 5 && s;
    }, "analytics to count the five clicks");
    const today = new Date().toISOString().slice(0, 10);
    expect(stats).toMatchObject({
      clicks: 3,
      botClicks: 2,
      uniqueVisitors: 2,
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
    expect(stats.timeseries.at(-1)).toEqual({ date: today, clicks: 3 });
    // The local edge's country is whatever miniflare says; every human click has one value.
    expect(stats.countries.reduce((sum, c) => sum + c.clicks, 0)).toBe(3);

    expect(await api.get<Stats>("/v1/stats", team)).toMatchObject({ clicks: 3, botClicks: 2, uniqueVisitors: 2 });
    const stranger = await createTeam("E2E stranger");
    const res = await fetch(`${baseUrl}/v1/links/${link.id}/stats`, { headers: stranger.auth });
    expect(res.status).toBe(404);
  });
});
