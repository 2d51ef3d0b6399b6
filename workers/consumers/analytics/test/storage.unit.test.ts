import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_CLICKS_PER_BATCH } from "#events";
import { newLinkId, newTeamId } from "../../../../test/support/event-fixtures";
import { foldClosedDays } from "../src/fold-visitors";
import { clicksRecorded, type BatchClick } from "./click-batches";
import { deliver, stats, UA } from "./helpers";

/**
 * Bytes of the analytics D1 per click: the database's size as D1 reports it after a query
 * (`meta.size_after`, pages × page size over every table and index; D1 refuses PRAGMA
 * page_count and freelist_count and has no dbstat). Measured locally it drops when a fold
 * deletes a day's sets; the steady state is its growth from one folded day to the next. The workload is the issue's: 100 links (5 teams), 20,000 human clicks
 * a day in packed batches of 1,000 (v2), varied agents, referrers, countries and places (15
 * cities in 3 regions per country, skewed, a tenth unplaced), a fifth QR scans, a third matching one of
 * 4 rules, 8,000 visitors a day (new hashes each day: the api salts them daily), plus bot and
 * HEAD counts.
 */

const LINKS = 100;
const CLICKS_PER_DAY = 20_000;
const VISITORS_PER_DAY = 8_000;
const AGENTS = [
  UA.safariMac,
  UA.chromeAndroid,
  UA.firefoxWindows,
  UA.safariIpad,
  ...Array.from({ length: 8 }, (_, i) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/12${i}.0.0.0 Safari/537.36`),
];
const REFERRERS = [
  null,
  "news.ycombinator.com",
  "t.co",
  "www.google.com",
  "www.reddit.com",
  "lnkd.in",
  ...Array.from({ length: 10 }, (_, i) => `blog${i}.example`),
];
const COUNTRIES = [null, "DE", "FR", "US", "GB", "NL", "ES", "IT", "PL", "SE", "CA", "BR", "IN", "JP", "AU", "CH", "AT", "BE", "DK", "NO"];
/**
 * Places per country: 15 cities in 3 regions, a visitor's place theirs, and a tenth of the
 * visitors the edge could not place. Cities are skewed as traffic is (rank k about 1/(k+1) of
 * visitors, log-uniform): a few big cities, a long tail.
 */
const CITIES_PER_COUNTRY = 15;
function placeOf(visitor: number): Pick<BatchClick, "city" | "region"> {
  const spread = (Math.imul(visitor + 1, 0x9e3779b1) >>> 0) / 2 ** 32;
  if (spread < 0.1) return {};
  const rank = Math.floor((CITIES_PER_COUNTRY + 1) ** ((spread - 0.1) / 0.9)) - 1;
  return { region: `Region ${rank % 3}`, city: `City ${rank}` };
}

async function fileBytes(): Promise<number> {
  return (await env.ANALYTICS_DB.prepare("SELECT 1").run()).meta.size_after;
}

const links = Array.from({ length: LINKS }, (_, i) => ({ teamId: "", linkId: newLinkId(), slug: `s${i}` }));
const teams = Array.from({ length: 5 }, () => newTeamId());
links.forEach((l, i) => (l.teamId = teams[i % teams.length] ?? ""));

/** Deterministic variety: a small linear congruential generator. */
function randomFrom(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state % n;
  };
}

/** One day of clicks, in batches of 1,000 on all links (each batch within the day). */
async function applyDay(day: string, clicksPerDay: number): Promise<void> {
  const random = randomFrom(Date.parse(day) / 1000);
  const batches = [];
  for (let b = 0; b < clicksPerDay / MAX_CLICKS_PER_BATCH; b++) {
    const clicks: BatchClick[] = Array.from({ length: MAX_CLICKS_PER_BATCH }, (_, i) => {
      const visitor = random(VISITORS_PER_DAY);
      return {
        // A visitor's links and agent stay theirs; links are skewed (low indexes busier).
        link: Math.min(random(LINKS), (visitor * 7) % LINKS),
        ms: i,
        visitor: `${day}:${visitor}`,
        agent: AGENTS[visitor % AGENTS.length],
        referrer: REFERRERS[random(REFERRERS.length)],
        country: COUNTRIES[visitor % COUNTRIES.length],
        ...placeOf(visitor),
        // A fifth of the visitors scan the QR code; a third of the clicks match one of 4 rules.
        qr: visitor % 5 === 0,
        rule: i % 3 === 0 ? visitor % 4 : null,
      };
    });
    batches.push(clicksRecorded({ version: 2, from: `${day}T${String(b % 24).padStart(2, "0")}:00:00.000Z`, links, clicks, bots: [[random(LINKS), 40, 10]] }));
  }
  for (let i = 0; i < batches.length; i += 10) {
    const result = await deliver(batches.slice(i, i + 10));
    expect(result.retryMessages).toEqual([]);
  }
}

const foldAll = async (now: string) => {
  for (;;) if ((await foldClosedDays(env.ANALYTICS_DB, new Date(now))).done) return;
};

describe("storage per click", () => {
  it("stays under 64 B per click once days fold, and grows far slower than the clicks of a day", { timeout: 120_000 }, async () => {
    const base = await fileBytes();
    // Day 1, twice the clicks: the open sets' peak.
    await applyDay("2026-11-20", 2 * CLICKS_PER_DAY);
    const peakOpen = await fileBytes();
    await foldAll("2026-11-21T04:00:00.000Z");
    const day1 = await fileBytes();

    await applyDay("2026-11-21", CLICKS_PER_DAY);
    const day2Open = await fileBytes();
    const openRows = (await env.ANALYTICS_DB.prepare("SELECT count(*) AS n FROM visitor_sets").first<{ n: number }>())?.n ?? 0;
    await foldAll("2026-11-22T04:00:00.000Z");
    const day2 = await fileBytes();

    await applyDay("2026-11-22", 2 * CLICKS_PER_DAY);
    await foldAll("2026-11-23T04:00:00.000Z");
    const day3 = await fileBytes();

    const perClick = {
      openPeak: (peakOpen - base) / (2 * CLICKS_PER_DAY),
      dayOpen: (day2Open - day1) / CLICKS_PER_DAY,
      steadyDay: (day2 - day1) / CLICKS_PER_DAY,
      steadyDoubleDay: (day3 - day2) / (2 * CLICKS_PER_DAY),
    };
    const perSetRow = (day2Open - day2) / openRows;
    console.log(
      JSON.stringify({
        bench: "analytics D1 bytes per click",
        links: LINKS,
        clicksPerDay: CLICKS_PER_DAY,
        visitorsPerDay: VISITORS_PER_DAY,
        fileBytes: { base, peakOpen, day1, day2Open, day2, day3 },
        perClick,
        openSetRows: openRows,
        bytesPerSetRow: perSetRow,
      }),
    );

    const left = await env.ANALYTICS_DB.prepare("SELECT count(*) AS n FROM visitor_sets").first<{ n: number }>();
    expect(left?.n).toBe(0);
    // Folding gives the sets' pages back: what stays is rollups, not visitors.
    expect(day2).toBeLessThan(day2Open);
    expect(day1).toBeLessThan(peakOpen);
    expect(perClick.steadyDay).toBeLessThanOrEqual(64);
    expect(perClick.steadyDoubleDay).toBeLessThanOrEqual(64);
    // Not per click: a day of twice the clicks adds little more than a day adds (its receipts, rarer
    // dimension values). Places are the long tail: twice the clicks reach more of each link's
    // cities (measured: 1.28 times a day's growth on this workload).
    expect(day3 - day2).toBeLessThan(1.35 * (day2 - day1));

    // And the counts are exact: every click once, bots apart.
    const team = await stats.forTeam({ teamId: teams[0] ?? "", from: "2026-11-20", to: "2026-11-22" });
    const total = (await Promise.all(teams.map((teamId) => stats.forTeam({ teamId, from: "2026-11-20", to: "2026-11-22" })))).reduce(
      (sum, t) => sum + t.clicks,
      0,
    );
    expect(total).toBe(5 * CLICKS_PER_DAY);
    expect(team.clicks).toBeGreaterThan(0);
  });
});
