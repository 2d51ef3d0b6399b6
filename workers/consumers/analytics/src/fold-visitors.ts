import type { analyticsLinks, visitorSets } from "#db/analytics";
import { dayOf } from "./rollup";

/** The first open link-day; its team is null only when the LEFT JOIN finds no link row. */
type OpenLinkDay = Pick<typeof visitorSets.$inferSelect, "day" | "linkId"> & { teamId: (typeof analyticsLinks.$inferSelect)["teamId"] | null };

/**
 * The fold: once a UTC day has closed, each team-day's exact visitor sets become counts
 * (`daily_clicks.visitors` per link-day, `team_daily_uniques` per team-day) and their rows
 * are deleted, so storage stays per link-day, never per visitor.
 *
 * A chunk is one team-day and one range of visitor values: a visitor's rows on all links of
 * the team fall in the same range, so per-link and team-wide distinct counts are sums over
 * ranges, and one chunk (counts added, rows deleted) is one D1 batch, applied whole or not
 * at all. Reads (stats-read.ts) add the counts to the sets still there, so they answer the
 * same before, during and after a fold; a fold stopped half-way resumes with fresh ranges
 * over what is left; folding again finds nothing and adds nothing.
 */

export interface FoldLimits {
  /** A day folds this long after it closed: the queue's retries (~45 min at most) land first. */
  graceMs: number;
  /** Rows (visitors × links) per chunk, i.e. per D1 batch. */
  chunkRows: number;
  /** Chunks per run; what is left waits for the next run. */
  maxChunks: number;
}

export const FOLD_LIMITS: FoldLimits = { graceMs: 3 * 3_600_000, chunkRows: 5_000, maxChunks: 50 };

export interface FoldResult {
  teamDays: number;
  chunks: number;
  rows: number;
  /** False when the chunk budget ran out with closed days still to fold. */
  done: boolean;
}

const MIN = -(2n ** 63n);
const SPAN = 2n ** 64n;

/** The i-th of n equal ranges of signed 64-bit values, bounds as decimal strings (D1 binds no BigInt). */
export function visitorRange(i: number, n: number): [string, string] {
  const lo = MIN + (SPAN * BigInt(i)) / BigInt(n);
  const hi = MIN + (SPAN * BigInt(i + 1)) / BigInt(n) - 1n;
  return [lo.toString(), hi.toString()];
}

// ?1 day, ?2 team, ?3..?4 the range of visitor values.
const CHUNK = `FROM visitor_sets s
WHERE s.day = ?1 AND s.link_id IN (SELECT link_id FROM analytics_links WHERE team_id = ?2)
  AND s.visitor BETWEEN CAST(?3 AS INTEGER) AND CAST(?4 AS INTEGER)`;

const FOLD_LINKS_SQL = `INSERT INTO daily_clicks (link_id, day, team_id, visitors)
SELECT s.link_id, ?1, ?2, count(*) ${CHUNK} GROUP BY s.link_id
ON CONFLICT (link_id, day) DO UPDATE SET visitors = visitors + excluded.visitors`;

const FOLD_TEAM_SQL = `INSERT INTO team_daily_uniques (team_id, day, visitors)
SELECT ?2, ?1, n FROM (SELECT count(DISTINCT s.visitor) AS n ${CHUNK}) WHERE n > 0
ON CONFLICT (team_id, day) DO UPDATE SET visitors = visitors + excluded.visitors`;

const DROP_SQL = `DELETE FROM visitor_sets AS s
WHERE s.day = ?1 AND s.link_id IN (SELECT link_id FROM analytics_links WHERE team_id = ?2)
  AND s.visitor BETWEEN CAST(?3 AS INTEGER) AND CAST(?4 AS INTEGER)`;

/** Days before this one are closed and past the grace at `now`. */
export const foldCutoff = (now: Date, graceMs: number) => dayOf(new Date(now.getTime() - graceMs).toISOString());

/** Folds closed days, oldest first, one team-day after the other, within the chunk budget. */
export async function foldClosedDays(db: D1Database, now: Date, limits: FoldLimits = FOLD_LIMITS): Promise<FoldResult> {
  const cutoff = foldCutoff(now, limits.graceMs);
  const result: FoldResult = { teamDays: 0, chunks: 0, rows: 0, done: false };
  while (result.chunks < limits.maxChunks) {
    // The first open (day, link) by the primary key: one seek, whatever the table holds.
    const next = await db
      .prepare(
        `SELECT s.day, s.link_id AS linkId, l.team_id AS teamId FROM (SELECT day, link_id FROM visitor_sets WHERE day < ?1 ORDER BY day, link_id LIMIT 1) s
         LEFT JOIN analytics_links l ON l.link_id = s.link_id`,
      )
      .bind(cutoff)
      .first<OpenLinkDay>();
    if (!next) {
      result.done = true;
      break;
    }
    if (next.teamId === null) {
      // Never happens (a set row is written in the batch that upserts its link); if it did, no team could claim the rows.
      await db.prepare("DELETE FROM visitor_sets WHERE day = ?1 AND link_id = ?2").bind(next.day, next.linkId).run();
      continue;
    }
    const count = await db
      .prepare("SELECT count(*) AS n FROM visitor_sets WHERE day = ?1 AND link_id IN (SELECT link_id FROM analytics_links WHERE team_id = ?2)")
      .bind(next.day, next.teamId)
      .first<{ n: number }>();
    const rows = count?.n ?? 0;
    // Visitor values are uniform (HMAC bits), so n equal ranges hold about rows / n each.
    const ranges = Math.max(1, Math.ceil(rows / limits.chunkRows));
    for (let i = 0; i < ranges && result.chunks < limits.maxChunks; i++) {
      const binds = [next.day, next.teamId, ...visitorRange(i, ranges)];
      await db.batch([FOLD_LINKS_SQL, FOLD_TEAM_SQL, DROP_SQL].map((sql) => db.prepare(sql).bind(...binds)));
      result.chunks += 1;
    }
    result.rows += rows;
    result.teamDays += 1;
  }
  return result;
}
