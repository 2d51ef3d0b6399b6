import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

export { consumerReceipts } from "./receipts";

/**
 * The analytics database (binding ANALYTICS_DB), owned by the analytics Worker and
 * read by others only through its `Stats` RPC entrypoint. Days are UTC `YYYY-MM-DD`.
 * Counters are rolled up per batch of clicks (one upsert per key), never one row per
 * click; every table carries `team_id` so team-wide totals are one indexed range.
 */

/** One row per link, made by whichever of its events arrives first (clicks may beat LinkCreated). */
export const analyticsLinks = sqliteTable("analytics_links", {
  linkId: text("link_id").primaryKey(),
  /** NOT NULL is also the guard that a link never changes team (see the link upsert). */
  teamId: text("team_id").notNull(),
  slug: text("slug"),
  /** Null until LinkCreated arrives. */
  createdAt: text("created_at"),
  deletedAt: text("deleted_at"),
});

/** Human and bot clicks per link and day: the totals and the time series. */
export const dailyClicks = sqliteTable(
  "daily_clicks",
  {
    linkId: text("link_id").notNull(),
    day: text("day").notNull(),
    teamId: text("team_id").notNull(),
    clicks: integer("clicks").notNull().default(0),
    botClicks: integer("bot_clicks").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.day] }), index("daily_clicks_team_idx").on(t.teamId, t.day)],
);

/** Human clicks per link, day and value of one dimension (country, referrer, device, browser, os). */
export const dimensionClicks = sqliteTable(
  "dimension_clicks",
  {
    linkId: text("link_id").notNull(),
    day: text("day").notNull(),
    dimension: text("dimension", { enum: ["country", "referrer", "device", "browser", "os"] }).notNull(),
    key: text("key").notNull(),
    teamId: text("team_id").notNull(),
    clicks: integer("clicks").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.day, t.dimension, t.key] }), index("dimension_clicks_team_idx").on(t.teamId, t.day)],
);

/**
 * The set of visitor hashes per link and day (humans only). The hash is the api's
 * daily-salted HMAC of IP + user agent: it is unique per visitor and day and
 * reveals no address. Unique visitors are the size of this set.
 */
export const dailyVisitors = sqliteTable(
  "daily_visitors",
  {
    linkId: text("link_id").notNull(),
    day: text("day").notNull(),
    visitorHash: text("visitor_hash").notNull(),
    teamId: text("team_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.day, t.visitorHash] }), index("daily_visitors_team_idx").on(t.teamId, t.day, t.visitorHash)],
);

export type StatsDimension = (typeof dimensionClicks.$inferSelect)["dimension"];
