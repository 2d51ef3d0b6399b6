import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export { consumerReceipts } from "./receipts";

/**
 * The analytics database (binding ANALYTICS_DB), owned by the analytics Worker and
 * read by others only through its `Stats` RPC entrypoint. Days are UTC `YYYY-MM-DD`.
 * Counters are rolled up per batch of clicks (one upsert per key), never one row per
 * click; every table carries `team_id` so team-wide totals are one indexed range.
 */

/** One row per link, made by whichever of its events arrives first (clicks may beat LinkCreated). */
export const analyticsLinks = sqliteTable(
  "analytics_links",
  {
    linkId: text("link_id").primaryKey(),
    /** NOT NULL is also the guard that a link never changes team (see the link upsert). */
    teamId: text("team_id").notNull(),
    slug: text("slug"),
    /** Null until LinkCreated arrives. */
    createdAt: text("created_at"),
    deletedAt: text("deleted_at"),
  },
  // A team's links: how visitor sets (which carry no team) are read and folded team-wide.
  (t) => [index("analytics_links_team_idx").on(t.teamId)],
);

/**
 * Human and bot clicks per link and day: the totals and the time series. `visitors` is the
 * link-day's unique visitors folded out of `visitor_sets` once the day closed (see there).
 * `qr_scans` is the share of `clicks` whose visitor came through the link's QR code.
 */
export const dailyClicks = sqliteTable(
  "daily_clicks",
  {
    linkId: text("link_id").notNull(),
    day: text("day").notNull(),
    teamId: text("team_id").notNull(),
    clicks: integer("clicks").notNull().default(0),
    botClicks: integer("bot_clicks").notNull().default(0),
    visitors: integer("visitors").notNull().default(0),
    qrScans: integer("qr_scans").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.day] }), index("daily_clicks_team_idx").on(t.teamId, t.day)],
);

/**
 * Human clicks per UTC hour and link (`hour` is `YYYY-MM-DDTHH`): the hourly time series
 * (`interval=hour`, 7 days at most a read). One counter row per link-hour that had a click,
 * upserted in the same D1 batch as the daily roll-up (so a batch counts once, by its receipt).
 * Compact like `visitor_sets`: hour first, no team column and no index but the key, WITHOUT
 * ROWID (added by hand to the migration). Hour first because the cron prunes by hour (a
 * range of the key, oldest first): only HOURLY_RETENTION_DAYS are kept
 * (contracts/analytics/stats.ts), so a link holds at most 24 × 32 rows here. Reads seek
 * each (hour, link) of the range: 24 per day and link; team-wide, the team's links
 * (through `analytics_links_team_idx`) for each hour.
 */
export const hourlyClicks = sqliteTable(
  "hourly_clicks",
  {
    hour: text("hour").notNull(),
    linkId: text("link_id").notNull(),
    clicks: integer("clicks").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.hour, t.linkId] })],
);

/**
 * Human clicks per link, day and value of one dimension: country, referrer, device, browser, os,
 * city (`City, Region, CC`), region (`Region, CC`) and rule (the matched targeting rule's index;
 * clicks that matched none have no rule row). Text keys, so a new dimension needs no migration.
 */
export const dimensionClicks = sqliteTable(
  "dimension_clicks",
  {
    linkId: text("link_id").notNull(),
    day: text("day").notNull(),
    dimension: text("dimension", { enum: ["country", "referrer", "device", "browser", "os", "rule"] }).notNull(),
    key: text("key").notNull(),
    teamId: text("team_id").notNull(),
    clicks: integer("clicks").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.day, t.dimension, t.key] }), index("dimension_clicks_team_idx").on(t.teamId, t.day)],
);

/**
 * Human clicks per link, day and place: `city` is `City, Region, CC` (the parts known), `region`
 * is `Region, CC`, each "unknown" when the edge did not say. One row per place a link-day saw
 * (the cities and the regions lists are two sums over the same rows), where a link-day has a
 * few countries but can have a hundred places: so the rows are kept compact like
 * `hourly_clicks`, no team column and no index but the key, WITHOUT ROWID (added by hand to the
 * migration); team-wide reads seek each of the team's links (`analytics_links_team_idx`). Link
 * first: a link's range is one seek. Kept as long as the other per-day tables.
 */
export const placeClicks = sqliteTable(
  "place_clicks",
  {
    linkId: text("link_id").notNull(),
    day: text("day").notNull(),
    city: text("city").notNull(),
    region: text("region").notNull(),
    clicks: integer("clicks").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.day, t.city, t.region] })],
);

/**
 * The exact set of visitors per open UTC day and link (humans only): unique visitors of a
 * day that has not been folded yet are the size of this set. The api's visitor hash is a
 * daily-salted HMAC of IP + user agent (unique per visitor and day, revealing no address);
 * a row keeps its first 64 bits as an integer (a collision needs ~4 billion visitors of one
 * link-day). Kept compact on purpose: no team column and no team index (team-wide reads join
 * the team's links), and WITHOUT ROWID (added by hand to the migration: drizzle-kit cannot
 * declare it), so a row is its key alone: ~62 bytes a row with page overhead, measured.
 *
 * After the day closes, the `scheduled` fold moves each team-day's sets into counts
 * (`daily_clicks.visitors` per link-day, `team_daily_uniques` per team-day) and deletes
 * the rows, in bounded chunks: storage stays per link-day, never per visitor.
 *
 * Why exact sets and not a HyperLogLog per link-day: a sketch within 2% error needs ~4,096
 * registers (3-4 KB) per link-day and per team-day, kept forever, and is never exact. The
 * sets cost ~62 B per distinct (visitor, link) of the open day only; once folded, a link-day
 * keeps one integer column and a team-day one small row, and stats stay exact
 * (workers/consumers/analytics/test/storage.unit.test.ts: ~57 B per click in steady state, all tables,
 * `place_clicks` most of it, ~25 B without places; plus ~5 B for `hourly_clicks` while its 31 days are kept).
 */
export const visitorSets = sqliteTable(
  "visitor_sets",
  {
    day: text("day").notNull(),
    linkId: text("link_id").notNull(),
    visitor: integer("visitor").notNull(),
  },
  // Day first: open days are few, the fold walks one day at a time, and reads seek (day, link).
  (t) => [primaryKey({ columns: [t.day, t.linkId, t.visitor] })],
);

/**
 * Folded team-wide unique visitors per team and day: a visitor of two links of the team
 * that day counts once, which per-link counts alone cannot tell once the sets are gone.
 */
export const teamDailyUniques = sqliteTable(
  "team_daily_uniques",
  {
    teamId: text("team_id").notNull(),
    day: text("day").notNull(),
    visitors: integer("visitors").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.day] })],
);

export type StatsDimension = (typeof dimensionClicks.$inferSelect)["dimension"];
