import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { linkClicked, newLinkId, newTeamId } from "../../../../test/support/event-fixtures";
import { foldClosedDays, visitorRange, type FoldLimits } from "../src/fold-visitors";
import { createScheduledHandler } from "../src/scheduled";
import worker from "../src/index";
import { clicksRecorded, uniformHash, type BatchClick } from "./click-batches";
import { deliver, stats } from "./helpers";

const DAY = "2026-11-26";
const RANGE = { from: DAY, to: DAY };
/** Clocks around the day's close (the fold waits 3 h after midnight UTC). */
const DURING_DAY = new Date("2026-11-26T23:00:00.000Z");
const BEFORE_GRACE = new Date("2026-11-27T02:59:00.000Z");
const AFTER_GRACE = new Date("2026-11-27T03:00:00.000Z");

/** The Worker's own cron entry, at an injected time. */
async function runCron(at: Date): Promise<void> {
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "*/15 * * * *" }), env);
}

/** Open set rows of these links (all days). */
async function openRows(linkIds: string[]): Promise<number> {
  const row = await env.ANALYTICS_DB.prepare("SELECT count(*) AS n FROM visitor_sets WHERE link_id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(linkIds))
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** A team of three links whose visitors overlap: 60 visitors, some on two or three links. */
async function overlappingTeam() {
  const teamId = newTeamId();
  const links = [0, 1, 2].map(() => ({ teamId, linkId: newLinkId() }));
  const clicks: BatchClick[] = [];
  for (let v = 0; v < 60; v++) {
    clicks.push({ link: v % 3, visitor: `p${v}`, ms: v });
    if (v % 4 === 0) clicks.push({ link: (v + 1) % 3, visitor: `p${v}`, ms: v });
    if (v % 10 === 0) clicks.push({ link: (v + 2) % 3, visitor: `p${v}`, ms: v });
  }
  // The next day (a few of the same people) is still open when this one folds.
  const nextDay = clicks.slice(0, 10);
  await deliver([
    clicksRecorded({ from: `${DAY}T08:00:00.000Z`, links, clicks }),
    clicksRecorded({ from: "2026-11-27T01:00:00.000Z", links, clicks: nextDay }),
  ]);
  return { teamId, links, days: [clicks, nextDay] };
}

/** Uniques counted by hand: distinct visitors per day, summed over days (per link, or team-wide). */
function expectedUniques(days: BatchClick[][], link?: number): number {
  return days.reduce((sum, clicks) => sum + new Set(clicks.filter((c) => link === undefined || c.link === link).map((c) => c.visitor)).size, 0);
}

async function answers(teamId: string, linkIds: string[]) {
  const wide = { from: "2026-11-25", to: "2026-11-27" };
  return {
    team: await stats.forTeam({ teamId, ...wide }),
    day: await stats.forTeam({ teamId, ...RANGE }),
    links: await Promise.all(linkIds.map((linkId) => stats.forLink({ teamId, linkId, ...wide }))),
  };
}

describe("fold: closed days' visitor sets become counts, answers unchanged", () => {
  it("gives the same stats before and after the cron folds a day, and folding twice is folding once", async () => {
    const { teamId, links, days } = await overlappingTeam();
    const ids = links.map((l) => l.linkId);
    const before = await answers(teamId, ids);
    // 60 people that day, 81 link-visits: each counts once team-wide, once per link.
    expect(before.day.uniqueVisitors).toBe(60);
    expect(before.team.uniqueVisitors).toBe(expectedUniques(days));
    expect(before.links.map((l) => l?.uniqueVisitors)).toEqual([0, 1, 2].map((link) => expectedUniques(days, link)));
    expect(days[0]).toHaveLength(81);

    await runCron(DURING_DAY);
    await runCron(BEFORE_GRACE);
    expect(await openRows(ids)).toBe(81 + 10);
    expect(await answers(teamId, ids)).toEqual(before);

    await runCron(AFTER_GRACE);
    expect(await openRows(ids)).toBe(10);
    expect(await answers(teamId, ids)).toEqual(before);
    const team = await env.ANALYTICS_DB.prepare("SELECT visitors FROM team_daily_uniques WHERE team_id = ? AND day = ?").bind(teamId, DAY).first();
    expect(team).toEqual({ visitors: 60 });

    await runCron(AFTER_GRACE);
    await runCron(new Date("2026-11-27T03:15:00.000Z"));
    expect(await answers(teamId, ids)).toEqual(before);
  });

  it("folds a big team-day in bounded chunks, stops at the chunk budget, answers exactly mid-way and finishes on the next run", async () => {
    const { teamId, links } = await overlappingTeam();
    const ids = links.map((l) => l.linkId);
    const before = await answers(teamId, ids);
    const limits: FoldLimits = { graceMs: 3 * 3_600_000, chunkRows: 10, maxChunks: 4 };

    const first = await foldClosedDays(env.ANALYTICS_DB, AFTER_GRACE, limits);
    // 81 rows in ranges of ~10: nine chunks, four of them now.
    expect(first).toMatchObject({ chunks: 4, done: false });
    const left = await openRows(ids);
    expect(left).toBeGreaterThan(10);
    expect(left).toBeLessThan(91);
    expect(await answers(teamId, ids)).toEqual(before);

    let runs = 1;
    while (!(await foldClosedDays(env.ANALYTICS_DB, AFTER_GRACE, limits)).done) runs += 1;
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(await openRows(ids)).toBe(10);
    expect(await answers(teamId, ids)).toEqual(before);
  });

  it("folds every team of a day on its own, and a click arriving after its day folded counts on the next fold", async () => {
    const one = { teamId: newTeamId(), linkId: newLinkId() };
    const two = { teamId: newTeamId(), linkId: newLinkId() };
    // The same person on both teams' links: one unique for each team.
    await deliver([
      clicksRecorded({
        from: `${DAY}T09:00:00.000Z`,
        links: [one, two],
        clicks: [
          { link: 0, visitor: "eve" },
          { link: 1, visitor: "eve" },
          { link: 1, visitor: "fay" },
        ],
      }),
    ]);
    await runCron(AFTER_GRACE);
    expect(await openRows([one.linkId, two.linkId])).toBe(0);
    expect((await stats.forTeam({ teamId: one.teamId, ...RANGE })).uniqueVisitors).toBe(1);
    expect((await stats.forTeam({ teamId: two.teamId, ...RANGE })).uniqueVisitors).toBe(2);

    // A late delivery (a dead letter replayed) for the folded day: a new visitor adds one.
    await deliver([linkClicked({ ...two, at: `${DAY}T20:00:00.000Z` }, { visitorHash: uniformHash("gus") })]);
    expect((await stats.forLink({ ...two, ...RANGE }))?.uniqueVisitors).toBe(3);
    await runCron(AFTER_GRACE);
    expect((await stats.forLink({ ...two, ...RANGE }))?.uniqueVisitors).toBe(3);
    expect((await stats.forTeam({ teamId: two.teamId, ...RANGE })).uniqueVisitors).toBe(3);
    expect(await openRows([two.linkId])).toBe(0);
  });

  it("splits the signed 64-bit visitor space into contiguous ranges", () => {
    expect(visitorRange(0, 1)).toEqual(["-9223372036854775808", "9223372036854775807"]);
    const ranges = [0, 1, 2].map((i) => visitorRange(i, 3));
    expect(ranges[0]?.[0]).toBe("-9223372036854775808");
    expect(ranges[2]?.[1]).toBe("9223372036854775807");
    for (let i = 1; i < 3; i++) expect(BigInt(ranges[i]?.[0] ?? 0)).toBe(BigInt(ranges[i - 1]?.[1] ?? 0) + 1n);
  });
});

describe("scheduled: a list of jobs", () => {
  it("runs every job with the trigger's time; one failing does not stop the next, and the run fails", async () => {
    const seen: string[] = [];
    const handler = createScheduledHandler([
      {
        name: "broken",
        run: async () => {
          throw new Error("boom");
        },
      },
      {
        name: "recorder",
        run: async (_env, now) => {
          seen.push(now.toISOString());
          return { ok: 1 };
        },
      },
    ]);
    let failure: unknown = null;
    try {
      await handler(createScheduledController({ scheduledTime: AFTER_GRACE }), env);
    } catch (error) {
      failure = error;
    }
    expect(seen).toEqual([AFTER_GRACE.toISOString()]);
    expect(String(failure)).toContain("scheduled jobs failed: broken");
  });
});
