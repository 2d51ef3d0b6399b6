import type { StatsDimension } from "../../../../db/analytics";
import { addDays, daysBetween, MAX_KEYS_PER_DIMENSION, type DateRange, type KeyClicks, type StatsView } from "./stats-schemas";

/** Whose clicks: one link of a team, or every link of the team. */
export type StatsScope = { teamId: string; linkId: string } | { teamId: string; linkId?: undefined };

const LIST_OF: Record<StatsDimension, keyof Omit<StatsView, "clicks" | "uniqueVisitors" | "botClicks" | "timeseries">> = {
  country: "countries",
  referrer: "referrers",
  device: "devices",
  browser: "browsers",
  os: "os",
};

/** The three reads of a stats answer, in one D1 round trip (a batch). */
export async function readStats(db: D1Database, scope: StatsScope, range: DateRange): Promise<StatsView> {
  const link = scope.linkId !== undefined;
  // Link scope: the (link_id, day) primary keys; team scope: the (team_id, day) indexes.
  const where = link ? "link_id = ?1 AND team_id = ?2 AND day BETWEEN ?3 AND ?4" : "team_id = ?1 AND day BETWEEN ?2 AND ?3";
  const binds = link ? [scope.linkId, scope.teamId, range.from, range.to] : [scope.teamId, range.from, range.to];
  // Visitor hashes are salted per day, so uniques are per day; team-wide, one visitor of two links that day counts once.
  const uniquesSql = link
    ? `SELECT count(*) AS n FROM daily_visitors WHERE ${where}`
    : `SELECT count(*) AS n FROM (SELECT DISTINCT day, visitor_hash FROM daily_visitors WHERE ${where})`;
  const [days, dimensions, uniques] = await db.batch<Record<string, unknown>>([
    db.prepare(`SELECT day, sum(clicks) AS clicks, sum(bot_clicks) AS bot_clicks FROM daily_clicks WHERE ${where} GROUP BY day`).bind(...binds),
    db
      .prepare(`SELECT dimension, key, sum(clicks) AS clicks FROM dimension_clicks WHERE ${where} GROUP BY dimension, key ORDER BY dimension, clicks DESC, key`)
      .bind(...binds),
    db.prepare(uniquesSql).bind(...binds),
  ]);

  const perDay = new Map<string, number>();
  let clicks = 0;
  let botClicks = 0;
  for (const row of (days?.results ?? []) as { day: string; clicks: number; bot_clicks: number }[]) {
    perDay.set(row.day, row.clicks);
    clicks += row.clicks;
    botClicks += row.bot_clicks;
  }

  const view: StatsView = {
    clicks,
    uniqueVisitors: ((uniques?.results ?? [])[0] as { n: number } | undefined)?.n ?? 0,
    botClicks,
    timeseries: Array.from({ length: daysBetween(range.from, range.to) + 1 }, (_, i) => {
      const date = addDays(range.from, i);
      return { date, clicks: perDay.get(date) ?? 0 };
    }),
    countries: [],
    referrers: [],
    devices: [],
    browsers: [],
    os: [],
  };
  for (const row of (dimensions?.results ?? []) as { dimension: StatsDimension; key: string; clicks: number }[]) {
    const list: KeyClicks[] = view[LIST_OF[row.dimension]];
    if (list.length < MAX_KEYS_PER_DIMENSION) list.push({ key: row.key, clicks: row.clicks });
  }
  return view;
}
