import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { addDays } from "#contracts/analytics/stats";
import { linkClicked, newLinkId, newTeamId } from "../../../../test/support/event-fixtures";
import { invalidInputAt, refusalOf } from "../../../../test/support/rpc-answers";
import { hourlyCutoff, pruneHourlyClicks } from "../src/prune-hours";
import { rollUp } from "../src/rollup";
import worker from "../src/index";
import { clicksRecorded, uniformHash } from "./click-batches";
import { deliver, reportsOf, stats, statsRpc, statsShape, UA } from "./helpers";

// Hourly stats reach back 30 days from the real clock, so the days here are relative to today.
const TODAY = new Date().toISOString().slice(0, 10);
const DAY = addDays(TODAY, -2);
const NEXT = addDays(TODAY, -1);
const SECOND = 1_000;

/** The link's hourly counter rows, as stored. */
async function hourRows(linkId: string) {
  const rows = await env.ANALYTICS_DB.prepare("SELECT hour, clicks FROM hourly_clicks WHERE link_id = ? ORDER BY hour")
    .bind(linkId)
    .all<{ hour: string; clicks: number }>();
  return rows.results;
}

/** The non-zero points of an hourly time series. */
const nonZero = (series: { date: string; clicks: number }[]) => series.filter((p) => p.clicks > 0);

/** The stats answer with an hourly time series: each point's `date` is the hour's ISO instant. */
const hourlyShape = statsShape.extend({
  timeseries: z.array(z.strictObject({ date: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00\.000Z$/), clicks: z.number().int().min(0) })),
});

describe("hourly counters: one row per link and UTC hour, in the batch's transaction", () => {
  it("derives each click's hour from the batch's from plus its offset: a batch across a full hour lands in both hours", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    const batch = clicksRecorded({
      from: `${DAY}T10:59:30.000Z`,
      links: [target],
      clicks: [
        { link: 0, visitor: "a", agent: UA.safariMac, ms: 0 },
        { link: 0, visitor: "b", agent: UA.safariMac, ms: 29 * SECOND },
        { link: 0, visitor: "a", agent: UA.safariMac, ms: 30 * SECOND },
        { link: 0, visitor: "c", agent: UA.chromeAndroid, ms: 45 * SECOND },
        { link: 0, visitor: "c", agent: UA.chromeAndroid, ms: 59 * SECOND },
        // A bot to this Worker: a bot click of the day, in no hour.
        { link: 0, visitor: "g", agent: UA.googlebot, ms: 50 * SECOND },
      ],
      bots: [[0, 2, 1]],
    });
    // One row per link-hour in the roll-up, whatever the clicks per hour.
    expect(rollUp([batch]).hours).toEqual([
      [`${DAY}T10`, target.linkId, 2],
      [`${DAY}T11`, target.linkId, 3],
    ]);
    expect((await deliver([batch])).retryMessages).toEqual([]);
    expect(await hourRows(target.linkId)).toEqual([
      { hour: `${DAY}T10`, clicks: 2 },
      { hour: `${DAY}T11`, clicks: 3 },
    ]);

    const view = hourlyShape.parse(await stats.forLink({ ...target, from: DAY, to: DAY, interval: "hour" }));
    expect(view.timeseries).toHaveLength(24);
    expect(view.timeseries[0]).toEqual({ date: `${DAY}T00:00:00.000Z`, clicks: 0 });
    expect(view.timeseries[23]).toEqual({ date: `${DAY}T23:00:00.000Z`, clicks: 0 });
    expect(nonZero(view.timeseries)).toEqual([
      { date: `${DAY}T10:00:00.000Z`, clicks: 2 },
      { date: `${DAY}T11:00:00.000Z`, clicks: 3 },
    ]);
    // Totals and breakdowns are the day's, as with interval=day; bots are in no hour.
    expect(view).toMatchObject({ clicks: 5, uniqueVisitors: 3, botClicks: 4 });
    const daily = await stats.forLink({ ...target, from: DAY, to: DAY });
    expect({ ...view, timeseries: [] }).toEqual({ ...daily, timeseries: [] });
    expect(daily?.timeseries).toEqual([{ date: DAY, clicks: 5 }]);
  });

  it("counts a redelivered batch once: same queue batch, a later delivery, a retry", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    const batch = clicksRecorded({
      from: `${DAY}T07:59:59.000Z`,
      links: [target],
      clicks: Array.from({ length: 40 }, (_, i) => ({ link: 0, visitor: `v${i % 7}`, agent: UA.firefoxWindows, ms: i * 50 })),
    });
    expect((await deliver([batch, batch])).retryMessages).toEqual([]);
    expect((await deliver([batch], 2)).retryMessages).toEqual([]);
    expect((await deliver([batch], 3)).retryMessages).toEqual([]);
    // Offsets 0..950 ms in hour 07, 1000..1950 ms in hour 08.
    expect(await hourRows(target.linkId)).toEqual([
      { hour: `${DAY}T07`, clicks: 20 },
      { hour: `${DAY}T08`, clicks: 20 },
    ]);
    expect((await reportsOf(batch.id, 4)).map((r) => r.duplicate)).toEqual([false, true, true, true]);
  });

  it("lands clicks of many batches, LinkClicked v1 and two links in their hours, per link and team-wide, zero-filled over days", async () => {
    const teamId = newTeamId();
    const one = { teamId, linkId: newLinkId() };
    const two = { teamId, linkId: newLinkId() };
    const stranger = { teamId: newTeamId(), linkId: newLinkId() };
    await deliver([
      clicksRecorded({
        from: `${DAY}T00:00:00.000Z`,
        links: [one, two],
        clicks: [
          { link: 0, visitor: "a" },
          { link: 1, visitor: "a" },
        ],
      }),
      clicksRecorded({ from: `${DAY}T13:20:00.000Z`, links: [one], clicks: [{ link: 0, visitor: "b" }] }),
      clicksRecorded({
        from: `${NEXT}T13:20:00.000Z`,
        links: [one, stranger],
        clicks: [
          { link: 0, visitor: "b" },
          { link: 1, visitor: "z" },
        ],
      }),
      clicksRecorded({ from: `${NEXT}T23:59:30.000Z`, links: [two], clicks: [{ link: 0, visitor: "c", ms: 29_999 }] }),
      linkClicked({ ...two, at: `${DAY}T13:59:59.999Z` }, { visitorHash: uniformHash("d"), userAgent: UA.safariIpad }),
    ]);
    const range = { from: DAY, to: NEXT, interval: "hour" } as const;
    const forOne = hourlyShape.parse(await stats.forLink({ ...one, ...range }));
    expect(forOne.timeseries).toHaveLength(48);
    expect(nonZero(forOne.timeseries)).toEqual([
      { date: `${DAY}T00:00:00.000Z`, clicks: 1 },
      { date: `${DAY}T13:00:00.000Z`, clicks: 1 },
      { date: `${NEXT}T13:00:00.000Z`, clicks: 1 },
    ]);
    const team = hourlyShape.parse(await stats.forTeam({ teamId, ...range }));
    expect(team.clicks).toBe(6);
    expect(nonZero(team.timeseries)).toEqual([
      { date: `${DAY}T00:00:00.000Z`, clicks: 2 },
      { date: `${DAY}T13:00:00.000Z`, clicks: 2 },
      { date: `${NEXT}T13:00:00.000Z`, clicks: 1 },
      { date: `${NEXT}T23:00:00.000Z`, clicks: 1 },
    ]);
    // The hours sum to the days.
    const days = await stats.forTeam({ teamId, from: DAY, to: NEXT });
    expect(days.timeseries).toEqual([
      { date: DAY, clicks: 4 },
      { date: NEXT, clicks: 2 },
    ]);
  });

  it("refuses interval=hour over more than 7 days or further back than the retention, and an unknown interval", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    expect(refusalOf(await statsRpc.forLink({ ...target, from: addDays(TODAY, -7), to: TODAY, interval: "hour" }))).toMatchObject(
      invalidInputAt("interval", /7 days/),
    );
    expect(refusalOf(await statsRpc.forTeam({ teamId: target.teamId, from: addDays(TODAY, -40), to: addDays(TODAY, -38), interval: "hour" }))).toMatchObject(
      invalidInputAt("from", /30 days/),
    );
    expect(refusalOf(await statsRpc.forLink({ ...target, interval: "minute" }))).toMatchObject(invalidInputAt("interval"));
    // 7 days is fine; the default hourly range is the last 7 days.
    expect((await stats.forLink({ ...target, from: addDays(TODAY, -6), to: TODAY, interval: "hour" }))?.timeseries).toHaveLength(168);
    const byDefault = await stats.forLink({ ...target, interval: "hour" });
    expect(byDefault?.timeseries).toHaveLength(168);
    expect(byDefault?.timeseries[0]?.date).toBe(`${addDays(TODAY, -6)}T00:00:00.000Z`);
    // interval=day is today's behaviour.
    expect((await stats.forLink({ ...target, interval: "day" }))?.timeseries).toHaveLength(30);
  });
});

describe("hourly retention: the cron prunes hours older than the window, in bounded chunks", () => {
  // Old days far from the other tests' rows: a prune at NOW touches only hours before its cutoff.
  const NOW = new Date("2025-03-10T00:07:00.000Z");
  const OLD = ["2025-01-20", "2025-02-06", "2025-02-07"];

  async function seed() {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    // 3 hours on each of three days.
    await deliver(
      OLD.flatMap((day) => [1, 2, 3].map((h) => clicksRecorded({ from: `${day}T0${h}:00:00.000Z`, links: [target], clicks: [{ link: 0, visitor: "x" }] }))),
    );
    return target;
  }

  it("keeps today and 31 days before it; deletes the rest oldest first, a chunk budget per run", async () => {
    expect(hourlyCutoff(NOW)).toBe("2025-02-07T00");
    const target = await seed();
    expect(await hourRows(target.linkId)).toHaveLength(9);
    // 2 rows a chunk, 2 chunks a run: a run deletes 4 rows at most, the oldest.
    const limits = { chunk: 2, maxChunks: 2 };
    expect(await pruneHourlyClicks(env.ANALYTICS_DB, NOW, limits)).toEqual({ hours: 4 });
    expect((await hourRows(target.linkId)).map((r) => r.hour)).toEqual([`${OLD[1]}T02`, `${OLD[1]}T03`, `${OLD[2]}T01`, `${OLD[2]}T02`, `${OLD[2]}T03`]);
    expect(await pruneHourlyClicks(env.ANALYTICS_DB, NOW, limits)).toEqual({ hours: 2 });
    expect(await pruneHourlyClicks(env.ANALYTICS_DB, NOW, limits)).toEqual({ hours: 0 });
    // The daily roll-ups are kept for good.
    const days = await env.ANALYTICS_DB.prepare("SELECT day, clicks FROM daily_clicks WHERE link_id = ? ORDER BY day").bind(target.linkId).all();
    expect(days.results).toEqual(OLD.map((day) => ({ day, clicks: 3 })));
  });

  it("runs in the Worker's cron", async () => {
    const target = await seed();
    await worker.scheduled(createScheduledController({ scheduledTime: NOW, cron: "*/15 * * * *" }), env);
    expect((await hourRows(target.linkId)).map((r) => r.hour)).toEqual([`${OLD[2]}T01`, `${OLD[2]}T02`, `${OLD[2]}T03`]);
  });
});
