import type { StatsDimension } from "#db/analytics";
import {
  addDays,
  daysBetween,
  hourInstant,
  MAX_KEYS_PER_DIMENSION,
  type KeyClicks,
  type StatsList,
  type StatsRange,
  type StatsView,
} from "#contracts/analytics/stats";

/** Whose clicks: one link of a team, or every link of the team. */
export type StatsScope = { teamId: string; linkId: string } | { teamId: string; linkId?: undefined };

const LIST_OF: Record<StatsDimension, StatsList> = {
  country: "countries",
  referrer: "referrers",
  device: "devices",
  browser: "browsers",
  os: "os",
  rule: "rules",
};
/** The place lists: one sum per key column of the same place_clicks rows. */
const PLACE_COLUMNS = ["city", "region"] as const;
type PlaceColumn = (typeof PLACE_COLUMNS)[number];
const PLACE_LIST_OF: Record<PlaceColumn, StatsList> = { city: "cities", region: "regions" };
const placesSql = (where: string) =>
  PLACE_COLUMNS.map((column) => `SELECT '${column}' AS kind, ${column} AS key, sum(clicks) AS clicks FROM place_clicks WHERE ${where} GROUP BY ${column}`).join(
    " UNION ALL ",
  );

/**
 * The days in ?from..?to that still have visitor sets (not folded yet: today, yesterday
 * until the fold, a day a late delivery reopened), found by skipping from one day to the
 * next along visitor_sets' (day, …) key: a few index seeks, however many rows a day holds.
 */
const openDays = (from: string, to: string) => `WITH RECURSIVE open_days(day) AS (
  SELECT min(day) FROM visitor_sets WHERE day BETWEEN ${from} AND ${to}
  UNION ALL
  SELECT (SELECT min(day) FROM visitor_sets WHERE day > open_days.day AND day <= ${to}) FROM open_days WHERE open_days.day IS NOT NULL
)`;

/**
 * Unique visitors are per day (visitor hashes are salted per day): the folded counts of
 * closed days plus the size of the sets of open days. A fold moves a day's rows into its
 * counts in one D1 batch, so the sum is the same before, during and after it.
 */
const linkUniquesSql = `${openDays("?3", "?4")}
SELECT (SELECT coalesce(sum(visitors), 0) FROM daily_clicks WHERE link_id = ?1 AND team_id = ?2 AND day BETWEEN ?3 AND ?4)
  + (SELECT count(*) FROM visitor_sets
     WHERE day IN (SELECT day FROM open_days WHERE day IS NOT NULL) AND link_id = ?1
       AND EXISTS (SELECT 1 FROM analytics_links WHERE link_id = ?1 AND team_id = ?2)) AS n`;

/**
 * Team-wide, one visitor of two links that day counts once: per team-day counts, DISTINCT over
 * open days. `IN (the team's links)` makes it a seek per (open day, link), not a scan of the day.
 */
const teamUniquesSql = `${openDays("?2", "?3")}
SELECT (SELECT coalesce(sum(visitors), 0) FROM team_daily_uniques WHERE team_id = ?1 AND day BETWEEN ?2 AND ?3)
  + (SELECT count(*) FROM (
       SELECT DISTINCT day, visitor FROM visitor_sets
       WHERE day IN (SELECT day FROM open_days WHERE day IS NOT NULL) AND link_id IN (SELECT link_id FROM analytics_links WHERE team_id = ?1))) AS n`;

/** Every UTC hour of the range's days, `YYYY-MM-DDTHH`, in order. */
export function hoursOf(range: StatsRange): string[] {
  return Array.from({ length: daysBetween(range.from, range.to) + 1 }, (_, d) => addDays(range.from, d)).flatMap((day) =>
    Array.from({ length: 24 }, (_, h) => `${day}T${String(h).padStart(2, "0")}`),
  );
}

/**
 * The reads of a stats answer, in one D1 round trip (a batch): days, dimensions, places, uniques,
 * and with `interval=hour` the hours (totals still come from the days, which are kept for good).
 */
export async function readStats(db: D1Database, scope: StatsScope, range: StatsRange): Promise<StatsView> {
  const link = scope.linkId !== undefined;
  // Link scope: the (link_id, day) primary keys; team scope: the (team_id, day) indexes.
  const where = link ? "link_id = ?1 AND team_id = ?2 AND day BETWEEN ?3 AND ?4" : "team_id = ?1 AND day BETWEEN ?2 AND ?3";
  const binds = link ? [scope.linkId, scope.teamId, range.from, range.to] : [scope.teamId, range.from, range.to];
  const uniquesSql = link ? linkUniquesSql : teamUniquesSql;
  const hourly = range.interval === "hour";
  const hourList = hourly ? hoursOf(range) : [];
  // One seek per (hour, link) of the key: the hours as a list, the link (or the team's links, which guard the team as the days' team_id does).
  const hoursSql = `SELECT hour, sum(clicks) AS clicks FROM hourly_clicks
    WHERE hour IN (SELECT value FROM json_each(?1)) AND link_id IN (SELECT link_id FROM analytics_links WHERE team_id = ?2${link ? " AND link_id = ?3" : ""})
    GROUP BY hour`;
  const hourBinds = link ? [JSON.stringify(hourList), scope.teamId, scope.linkId] : [JSON.stringify(hourList), scope.teamId];
  // place_clicks has no team column: the link (or the team's links) through analytics_links, which guards the team.
  const placesWhere = link
    ? "link_id IN (SELECT link_id FROM analytics_links WHERE team_id = ?2 AND link_id = ?1) AND day BETWEEN ?3 AND ?4"
    : "link_id IN (SELECT link_id FROM analytics_links WHERE team_id = ?1) AND day BETWEEN ?2 AND ?3";
  const [days, dimensions, places, uniques, hours] = await db.batch<Record<string, unknown>>([
    db
      .prepare(`SELECT day, sum(clicks) AS clicks, sum(bot_clicks) AS bot_clicks, sum(qr_scans) AS qr_scans FROM daily_clicks WHERE ${where} GROUP BY day`)
      .bind(...binds),
    db
      .prepare(`SELECT dimension, key, sum(clicks) AS clicks FROM dimension_clicks WHERE ${where} GROUP BY dimension, key ORDER BY dimension, clicks DESC, key`)
      .bind(...binds),
    db.prepare(`${placesSql(placesWhere)} ORDER BY kind, clicks DESC, key`).bind(...binds),
    db.prepare(uniquesSql).bind(...binds),
    ...(hourly ? [db.prepare(hoursSql).bind(...hourBinds)] : []),
  ]);
  const perHour = new Map(((hours?.results ?? []) as { hour: string; clicks: number }[]).map((row) => [row.hour, row.clicks]));

  const perDay = new Map<string, number>();
  let clicks = 0;
  let botClicks = 0;
  let qrScans = 0;
  for (const row of (days?.results ?? []) as { day: string; clicks: number; bot_clicks: number; qr_scans: number }[]) {
    perDay.set(row.day, row.clicks);
    clicks += row.clicks;
    botClicks += row.bot_clicks;
    qrScans += row.qr_scans;
  }

  const view: StatsView = {
    clicks,
    uniqueVisitors: ((uniques?.results ?? [])[0] as { n: number } | undefined)?.n ?? 0,
    botClicks,
    qrScans,
    timeseries: hourly
      ? hourList.map((hour) => ({ date: hourInstant(hour), clicks: perHour.get(hour) ?? 0 }))
      : Array.from({ length: daysBetween(range.from, range.to) + 1 }, (_, i) => {
          const date = addDays(range.from, i);
          return { date, clicks: perDay.get(date) ?? 0 };
        }),
    countries: [],
    referrers: [],
    devices: [],
    browsers: [],
    os: [],
    cities: [],
    regions: [],
    rules: [],
  };
  for (const row of (dimensions?.results ?? []) as { dimension: StatsDimension; key: string; clicks: number }[]) {
    const list: KeyClicks[] = view[LIST_OF[row.dimension]];
    if (list.length < MAX_KEYS_PER_DIMENSION) list.push({ key: row.key, clicks: row.clicks });
  }
  for (const row of (places?.results ?? []) as { kind: PlaceColumn; key: string; clicks: number }[]) {
    const list: KeyClicks[] = view[PLACE_LIST_OF[row.kind]];
    if (list.length < MAX_KEYS_PER_DIMENSION) list.push({ key: row.key, clicks: row.clicks });
  }
  return view;
}
