import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { linkClicked, newLinkId, newTeamId } from "../../../../test/support/event-fixtures";
import { clicksRecorded, uniformHash } from "./click-batches";
import { deliver, reportsOf, stats, UA } from "./helpers";

const DAY = { from: "2026-11-26", to: "2026-11-26" };
const FROM = "2026-11-26T10:30:00.000Z";

describe("ClicksRecorded: a packed batch rolls up like the clicks it carries", () => {
  it("counts a batch of several teams per link, day and dimension, with bot GETs and HEADs as bot clicks", async () => {
    const teamA = newTeamId();
    const a1 = { teamId: teamA, linkId: newLinkId() };
    const a2 = { teamId: teamA, linkId: newLinkId() };
    const b1 = { teamId: newTeamId(), linkId: newLinkId() };
    const batch = clicksRecorded({
      from: FROM,
      links: [{ ...a1, slug: "a-one" }, a2, b1],
      clicks: [
        { link: 0, visitor: "ann", agent: UA.safariMac, referrer: "news.ycombinator.com", country: "DE" },
        { link: 0, visitor: "ann", agent: UA.safariMac, referrer: "News.YCombinator.com", country: "DE", ms: 400 },
        { link: 0, visitor: "ben", agent: UA.chromeAndroid, referrer: null, country: "FR", ms: 500 },
        // ann again on the team's other link: one team-wide unique.
        { link: 1, visitor: "ann", agent: UA.safariMac, referrer: null, country: null, ms: 600 },
        { link: 2, visitor: "ann", agent: UA.firefoxWindows, referrer: "t.co", country: "US", ms: 700 },
        // A human to the api, a bot to this Worker's isbot list.
        { link: 2, visitor: "crawler", agent: UA.googlebot, ms: 800 },
      ],
      bots: [
        [0, 3, 1],
        [2, 0, 2],
      ],
    });
    expect(batch.teamId).toBe("team_00000000000000000000000000");
    const result = await deliver([batch]);
    expect(result.retryMessages).toEqual([]);

    expect(await stats.forLink({ ...a1, ...DAY })).toMatchObject({
      clicks: 3,
      uniqueVisitors: 2,
      botClicks: 4,
      timeseries: [{ date: "2026-11-26", clicks: 3 }],
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
    });
    expect(await stats.forLink({ ...a2, ...DAY })).toMatchObject({ clicks: 1, uniqueVisitors: 1, botClicks: 0, countries: [{ key: "unknown", clicks: 1 }] });
    expect(await stats.forLink({ ...b1, ...DAY })).toMatchObject({ clicks: 1, uniqueVisitors: 1, botClicks: 3, browsers: [{ key: "Firefox", clicks: 1 }] });
    expect(await stats.forTeam({ teamId: teamA, ...DAY })).toMatchObject({ clicks: 4, uniqueVisitors: 2, botClicks: 4 });
    expect(await stats.forTeam({ teamId: b1.teamId, ...DAY })).toMatchObject({ clicks: 1, uniqueVisitors: 1, botClicks: 3 });
    const slug = await env.ANALYTICS_DB.prepare("SELECT slug, team_id FROM analytics_links WHERE link_id = ?").bind(a1.linkId).first();
    expect(slug).toEqual({ slug: "a-one", team_id: teamA });
  });

  it("applies a batch once: redelivered in the same queue batch and in a later one, one receipt for the batch id", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    const batch = clicksRecorded({
      from: FROM,
      links: [target],
      clicks: Array.from({ length: 50 }, (_, i) => ({ link: 0, visitor: `v${i % 20}`, agent: UA.firefoxWindows, ms: i })),
      bots: [[0, 5, 2]],
    });
    expect((await deliver([batch, batch])).retryMessages).toEqual([]);
    expect((await deliver([batch], 2)).retryMessages).toEqual([]);

    expect(await stats.forLink({ ...target, ...DAY })).toMatchObject({ clicks: 50, uniqueVisitors: 20, botClicks: 7 });
    const receipts = await env.ANALYTICS_DB.prepare("SELECT event_id FROM consumer_receipts WHERE event_id = ?").bind(batch.id).all();
    expect(receipts.results).toEqual([{ event_id: batch.id }]);
    const reports = await reportsOf(batch.id, 3);
    expect(reports.map((r) => r.duplicate)).toEqual([false, true, true]);
  });

  it("counts LinkClicked v1 (still in flight) and batches side by side, one visitor of both once", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    const batch = clicksRecorded({ from: FROM, links: [target], clicks: [{ link: 0, visitor: "dora", agent: UA.safariIpad }] });
    const single = linkClicked({ ...target, at: "2026-11-26T11:00:00.000Z" }, { visitorHash: uniformHash("dora"), userAgent: UA.safariIpad });
    await deliver([batch, single]);
    expect(await stats.forLink({ ...target, ...DAY })).toMatchObject({ clicks: 2, uniqueVisitors: 1, devices: [{ key: "tablet", clicks: 2 }] });
  });

  it("retries a batch that claims another team's link as a whole: nothing of it lands", async () => {
    const owner = { teamId: newTeamId(), linkId: newLinkId() };
    await deliver([linkClicked({ ...owner, at: FROM })]);
    const innocent = { teamId: newTeamId(), linkId: newLinkId() };
    const batch = clicksRecorded({
      from: FROM,
      links: [innocent, { teamId: newTeamId(), linkId: owner.linkId }],
      clicks: [
        { link: 0, visitor: "x" },
        { link: 1, visitor: "y" },
      ],
    });
    const result = await deliver([batch]);
    expect(result.retryMessages).toHaveLength(1);
    expect(await stats.forLink({ ...innocent, ...DAY })).toMatchObject({ clicks: 0, uniqueVisitors: 0 });
    expect(await stats.forLink({ ...owner, ...DAY })).toMatchObject({ clicks: 1 });
  });
});
