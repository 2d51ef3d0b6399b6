import type { StatsDimension } from "#db/analytics";
import { botCountsOf, clickRecordsOf, type LinkEvent } from "#events";
import { clickClassifier, type ClickInput } from "./click-facts";

/**
 * Rows of one batch, already summed per key. Each list becomes ONE statement over
 * `json_each(?1)`: one bound parameter whatever the batch size, so D1's limit of 100
 * parameters per statement never applies. Tuples keep the JSON small.
 */
export interface Rollup {
  /** [linkId, teamId, slug, createdAt, deletedAt] */
  links: [string, string, string | null, string | null, string | null][];
  /** [linkId, day, teamId, clicks, botClicks, qrScans] */
  days: [string, string, string, number, number, number][];
  /** [hour `YYYY-MM-DDTHH`, linkId, clicks]: human clicks only (bots arrive as counts per day) */
  hours: [string, string, number][];
  /** [linkId, day, dimension, key, teamId, clicks] */
  dimensions: [string, string, StatsDimension, string, string, number][];
  /** [linkId, day, city, region, clicks]: human clicks per place */
  places: [string, string, string, string, number][];
  /** [day, linkId, high 32 bits (signed), low 32 bits (unsigned)] of the visitor hash's first 64 bits */
  visitors: [string, string, number, number][];
}

/** The dimensions every human click has a value of (UNKNOWN when it did not say); `rule` only when one matched. */
const DIMENSIONS = ["country", "referrer", "device", "browser", "os"] as const satisfies readonly StatsDimension[];

/** The UTC day of an ISO timestamp (events carry `...Z` times only). */
export const dayOf = (iso: string) => iso.slice(0, 10);
/** The UTC hour of an ISO timestamp, `YYYY-MM-DDTHH`. */
export const hourOf = (iso: string) => iso.slice(0, 13);

/**
 * A visitor hash (32 hex digits) as the two halves of its first 64 bits, which SQL joins into
 * one signed integer (`hi * 2^32 + lo`): JSON numbers cannot carry 64 bits exactly.
 */
export function visitorHalves(visitorHash: string): [number, number] {
  return [Number.parseInt(visitorHash.slice(0, 8), 16) | 0, Number.parseInt(visitorHash.slice(8, 16), 16)];
}

/**
 * Sums a batch of fresh events into rows; LinkUpdated and unknown types add nothing.
 * A ClicksRecorded batch counts like the LinkClicked events it packs, its bot and HEAD
 * counts straight into the day's bot clicks.
 */
export function rollUp(events: LinkEvent[]): Rollup {
  const classify = clickClassifier();
  // Keyed by link and team: two teams claiming one link stay two rows, so the upsert sees the conflict.
  const links = new Map<string, Rollup["links"][number]>();
  const days = new Map<string, Rollup["days"][number]>();
  const hours = new Map<string, Rollup["hours"][number]>();
  const dimensions = new Map<string, Rollup["dimensions"][number]>();
  const places = new Map<string, Rollup["places"][number]>();
  const visitors = new Map<string, Rollup["visitors"][number]>();

  const link = (linkId: string, teamId: string) => {
    const key = `${linkId}|${teamId}`;
    const row = links.get(key) ?? [linkId, teamId, null, null, null];
    links.set(key, row);
    return row;
  };

  const dayRow = (linkId: string, teamId: string, day: string) => {
    const key = `${linkId}|${day}`;
    const row = days.get(key) ?? [linkId, day, teamId, 0, 0, 0];
    days.set(key, row);
    return row;
  };

  /** One click at `occurredAt`: its day and hour come from its own time (a batch's clicks from its `from` plus their offsets). */
  const click = (linkId: string, teamId: string, occurredAt: string, input: ClickInput & { visitorHash: string }) => {
    const day = dayOf(occurredAt);
    const facts = classify(input);
    const total = dayRow(linkId, teamId, day);
    if (facts.bot) {
      total[4] += 1;
      return;
    }
    total[3] += 1;
    if (facts.qr) total[5] += 1;
    const hour = hourOf(occurredAt);
    const hourRow = hours.get(`${linkId}|${hour}`) ?? [hour, linkId, 0];
    hourRow[2] += 1;
    hours.set(`${linkId}|${hour}`, hourRow);
    visitors.set(`${day}|${linkId}|${input.visitorHash.slice(0, 16)}`, [day, linkId, ...visitorHalves(input.visitorHash)]);
    const values: [StatsDimension, string][] = DIMENSIONS.map((dimension) => [dimension, facts[dimension]]);
    if (facts.rule !== null) values.push(["rule", facts.rule]);
    for (const [dimension, value] of values) {
      const key = `${linkId}|${day}|${dimension}|${value}`;
      const row = dimensions.get(key) ?? [linkId, day, dimension, value, teamId, 0];
      row[5] += 1;
      dimensions.set(key, row);
    }
    const placeKey = `${linkId}|${day}|${facts.city}|${facts.region}`;
    const place = places.get(placeKey) ?? [linkId, day, facts.city, facts.region, 0];
    place[4] += 1;
    places.set(placeKey, place);
  };

  for (const event of events) {
    if (event.type === "LinkCreated") {
      const row = link(event.data.link.id, event.teamId);
      row[2] = event.data.link.slug;
      row[3] = event.data.link.createdAt;
    } else if (event.type === "LinkDeleted") {
      link(event.data.linkId, event.teamId)[4] = event.data.deletedAt;
    } else if (event.type === "LinkClicked") {
      link(event.data.linkId, event.teamId)[2] ??= event.data.slug;
      click(event.data.linkId, event.teamId, event.occurredAt, event.data);
    } else if (event.type === "ClicksRecorded") {
      for (const record of clickRecordsOf(event)) {
        link(record.linkId, record.teamId)[2] ??= record.slug;
        click(record.linkId, record.teamId, record.occurredAt, record);
      }
      for (const count of botCountsOf(event)) {
        link(count.linkId, count.teamId)[2] ??= count.slug;
        dayRow(count.linkId, count.teamId, count.day)[4] += count.bots + count.heads;
      }
    }
  }
  return {
    links: [...links.values()],
    days: [...days.values()],
    hours: [...hours.values()],
    dimensions: [...dimensions.values()],
    places: [...places.values()],
    visitors: [...visitors.values()],
  };
}

// `WHERE true` lets SQLite tell the upsert's ON CONFLICT from a join's ON.
const LINKS_SQL = `INSERT INTO analytics_links (link_id, team_id, slug, created_at, deleted_at)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?1) WHERE true
ON CONFLICT (link_id) DO UPDATE SET
  team_id = CASE WHEN analytics_links.team_id = excluded.team_id THEN analytics_links.team_id END,
  slug = CASE WHEN excluded.created_at IS NOT NULL THEN excluded.slug ELSE coalesce(analytics_links.slug, excluded.slug) END,
  created_at = coalesce(excluded.created_at, analytics_links.created_at),
  deleted_at = coalesce(analytics_links.deleted_at, excluded.deleted_at)`;

const DAYS_SQL = `INSERT INTO daily_clicks (link_id, day, team_id, clicks, bot_clicks, qr_scans)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 FROM json_each(?1) WHERE true
ON CONFLICT (link_id, day) DO UPDATE SET
  clicks = clicks + excluded.clicks, bot_clicks = bot_clicks + excluded.bot_clicks, qr_scans = qr_scans + excluded.qr_scans`;

const HOURS_SQL = `INSERT INTO hourly_clicks (hour, link_id, clicks)
SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?1) WHERE true
ON CONFLICT (hour, link_id) DO UPDATE SET clicks = clicks + excluded.clicks`;

const DIMENSIONS_SQL = `INSERT INTO dimension_clicks (link_id, day, dimension, key, team_id, clicks)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5 FROM json_each(?1) WHERE true
ON CONFLICT (link_id, day, dimension, key) DO UPDATE SET clicks = clicks + excluded.clicks`;

const PLACES_SQL = `INSERT INTO place_clicks (link_id, day, city, region, clicks)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?1) WHERE true
ON CONFLICT (link_id, day, city, region) DO UPDATE SET clicks = clicks + excluded.clicks`;

// DO NOTHING only for the key, so every other constraint still fails loudly (OR IGNORE would hide it).
const VISITORS_SQL = `INSERT INTO visitor_sets (day, link_id, visitor)
SELECT value ->> 0, value ->> 1, (value ->> 2) * 4294967296 + (value ->> 3) FROM json_each(?1) WHERE true
ON CONFLICT (day, link_id, visitor) DO NOTHING`;

/**
 * The batch's statements, links first. A link never changes team: the CASE gives
 * NULL to an event that claims another team's link, the NOT NULL constraint fails,
 * and the toolkit retries that event alone (then dead-letters it) instead of
 * counting clicks for the wrong team.
 */
export function rollupStatements(db: D1Database, rollup: Rollup): D1PreparedStatement[] {
  const parts: [string, unknown[]][] = [
    [LINKS_SQL, rollup.links],
    [DAYS_SQL, rollup.days],
    [HOURS_SQL, rollup.hours],
    [DIMENSIONS_SQL, rollup.dimensions],
    [PLACES_SQL, rollup.places],
    [VISITORS_SQL, rollup.visitors],
  ];
  return parts.filter(([, rows]) => rows.length > 0).map(([sql, rows]) => db.prepare(sql).bind(JSON.stringify(rows)));
}
