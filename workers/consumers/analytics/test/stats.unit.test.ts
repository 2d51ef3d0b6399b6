import { describe, expect, it } from "vitest";
import { linkClicked, linkCreated, newLinkId, newTeamId, visitorHash } from "../../../../test/support/event-fixtures";
import { invalidInputAt, refusalOf } from "../../../../test/support/rpc-answers";
import { deliver, stats, statsRpc, statsShape, UA } from "./helpers";

const at = (day: string, time = "12:00:00.000") => `${day}T${time}Z`;

describe("stats: bots, unique visitors, dimensions, exact shape", () => {
  it("answers the exact API.md shape with zero-filled days, human clicks per dimension, and bots apart", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    const alice = visitorHash("alice");
    const bob = visitorHash("bob");
    const carol = visitorHash("carol");
    await deliver([
      linkCreated({ ...target, at: at("2026-11-01", "08:00:00.000") }),
      // Day 1: alice twice (one unique), bob once.
      linkClicked(
        { ...target, at: at("2026-11-02", "00:00:00.000") },
        { userAgent: UA.safariMac, country: "DE", referrerHost: "news.ycombinator.com", visitorHash: alice },
      ),
      linkClicked(
        { ...target, at: at("2026-11-02", "23:59:59.999") },
        { userAgent: UA.safariMac, country: "DE", referrerHost: "News.YCombinator.com", visitorHash: alice },
      ),
      linkClicked({ ...target, at: at("2026-11-02") }, { userAgent: UA.chromeAndroid, country: "FR", referrerHost: null, visitorHash: bob }),
      // Day 3: alice again (a new day, a new unique), carol on an iPad with no country.
      linkClicked({ ...target, at: at("2026-11-04") }, { userAgent: UA.safariMac, country: "DE", referrerHost: null, visitorHash: alice }),
      linkClicked({ ...target, at: at("2026-11-04") }, { userAgent: UA.safariIpad, country: null, referrerHost: "t.co", visitorHash: carol }),
      // Bots: flagged by the api, caught by isbot here, a HEAD request.
      linkClicked({ ...target, at: at("2026-11-02") }, { bot: true, userAgent: UA.firefoxWindows, visitorHash: visitorHash("bot1") }),
      linkClicked({ ...target, at: at("2026-11-04") }, { bot: false, userAgent: UA.googlebot, visitorHash: visitorHash("bot2") }),
      linkClicked({ ...target, at: at("2026-11-04") }, { bot: false, method: "HEAD", userAgent: UA.firefoxWindows, visitorHash: visitorHash("bot3") }),
    ]);

    const view = await stats.forLink({ ...target, from: "2026-11-01", to: "2026-11-05" });
    expect(statsShape.parse(view)).toEqual({
      clicks: 5,
      uniqueVisitors: 4,
      botClicks: 3,
      // LinkClicked v1 says neither how the visitor came nor where: no scans, no rule, places unknown.
      qrScans: 0,
      timeseries: [
        { date: "2026-11-01", clicks: 0 },
        { date: "2026-11-02", clicks: 3 },
        { date: "2026-11-03", clicks: 0 },
        { date: "2026-11-04", clicks: 2 },
        { date: "2026-11-05", clicks: 0 },
      ],
      countries: [
        { key: "DE", clicks: 3 },
        { key: "FR", clicks: 1 },
        { key: "unknown", clicks: 1 },
      ],
      referrers: [
        { key: "direct", clicks: 2 },
        { key: "news.ycombinator.com", clicks: 2 },
        { key: "t.co", clicks: 1 },
      ],
      devices: [
        { key: "desktop", clicks: 3 },
        { key: "mobile", clicks: 1 },
        { key: "tablet", clicks: 1 },
      ],
      browsers: [
        { key: "Safari", clicks: 3 },
        { key: "Chrome", clicks: 1 },
        { key: "Mobile Safari", clicks: 1 },
      ],
      os: [
        { key: "Mac OS", clicks: 3 },
        { key: "Android", clicks: 1 },
        { key: "iOS", clicks: 1 },
      ],
      cities: [{ key: "unknown", clicks: 5 }],
      regions: [{ key: "unknown", clicks: 5 }],
      rules: [],
    });

    // A narrower range sees only its own days.
    const day2 = await stats.forLink({ ...target, from: "2026-11-02", to: "2026-11-02" });
    expect(day2).toMatchObject({ clicks: 3, uniqueVisitors: 2, botClicks: 1, timeseries: [{ date: "2026-11-02", clicks: 3 }] });
  });

  it("defaults to the last 30 days up to today (UTC)", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    const today = new Date().toISOString().slice(0, 10);
    await deliver([linkClicked({ ...target, at: new Date().toISOString() }, { userAgent: UA.firefoxWindows })]);
    const view = await stats.forLink(target);
    expect(view?.timeseries).toHaveLength(30);
    expect(view?.timeseries.at(-1)).toEqual({ date: today, clicks: 1 });
    expect(view).toMatchObject({
      clicks: 1,
      uniqueVisitors: 1,
      devices: [{ key: "desktop", clicks: 1 }],
      browsers: [{ key: "Firefox", clicks: 1 }],
      os: [{ key: "Windows", clicks: 1 }],
    });
  });

  it("answers zeros for a link with no processed event yet, and null for another team's link", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    const empty = await stats.forLink({ ...target, from: "2026-11-01", to: "2026-11-02" });
    expect(empty).toEqual({
      clicks: 0,
      uniqueVisitors: 0,
      botClicks: 0,
      qrScans: 0,
      timeseries: [
        { date: "2026-11-01", clicks: 0 },
        { date: "2026-11-02", clicks: 0 },
      ],
      countries: [],
      referrers: [],
      devices: [],
      browsers: [],
      os: [],
      cities: [],
      regions: [],
      rules: [],
    });

    await deliver([linkClicked({ ...target, at: at("2026-11-01") })]);
    expect(await stats.forLink({ teamId: newTeamId(), linkId: target.linkId, from: "2026-11-01", to: "2026-11-02" })).toBeNull();
  });

  it("totals a team over all its links; a visitor of two links on one day is one unique", async () => {
    const teamId = newTeamId();
    const a = { teamId, linkId: newLinkId() };
    const b = { teamId, linkId: newLinkId() };
    const stranger = { teamId: newTeamId(), linkId: newLinkId() };
    const dave = visitorHash("dave");
    await deliver([
      linkClicked({ ...a, at: at("2026-10-31") }, { visitorHash: dave, country: "US" }),
      linkClicked({ ...b, at: at("2026-10-31") }, { visitorHash: dave, country: "US" }),
      linkClicked({ ...b, at: at("2026-11-01") }, { visitorHash: dave, country: "CA" }),
      linkClicked({ ...b, at: at("2026-11-01") }, { bot: true }),
      linkClicked({ ...stranger, at: at("2026-10-31") }, { visitorHash: dave }),
    ]);
    const team = await stats.forTeam({ teamId, from: "2026-10-31", to: "2026-11-01" });
    expect(team).toMatchObject({
      clicks: 3,
      uniqueVisitors: 2,
      botClicks: 1,
      timeseries: [
        { date: "2026-10-31", clicks: 2 },
        { date: "2026-11-01", clicks: 1 },
      ],
      countries: [
        { key: "US", clicks: 2 },
        { key: "CA", clicks: 1 },
      ],
    });
  });

  it("refuses bad ranges and ids with the fields named", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    expect(refusalOf(await statsRpc.forLink({ ...target, from: "2026-11-05", to: "2026-11-01" }))).toMatchObject(
      invalidInputAt("from", /^must not be after to$/),
    );
    expect(refusalOf(await statsRpc.forLink({ ...target, from: "2025-01-01", to: "2026-01-02" }))).toMatchObject(
      invalidInputAt("to", /^the range is at most 366 days$/),
    );
    expect(refusalOf(await statsRpc.forLink({ ...target, from: "2026-02-30" }))).toMatchObject(invalidInputAt("from", /^is not a calendar date/));
    expect(refusalOf(await statsRpc.forLink({ ...target, linkId: "lnk_nope" }))).toMatchObject(invalidInputAt("linkId"));
    expect(refusalOf(await statsRpc.forTeam({ teamId: target.teamId, extra: 1 }))).toMatchObject(invalidInputAt("", /extra/));
    // 366 days inclusive is allowed.
    expect((await stats.forTeam({ teamId: target.teamId, from: "2025-01-01", to: "2026-01-01" })).timeseries).toHaveLength(366);
  });
});
