import { z } from "zod";
import { linkIdSchema, teamIdSchema } from "#events";

/**
 * The Stats RPC contract, shared with the api Worker (which validates its query with
 * the same schemas, so a range the api accepts is one this Worker accepts).
 */

export const DEFAULT_RANGE_DAYS = 30;
export const MAX_RANGE_DAYS = 366;
/** Longest list per dimension: the most-clicked values first. */
export const MAX_KEYS_PER_DIMENSION = 100;
/** The longest range (in days) an hourly time series covers: 7 × 24 points at most. */
export const MAX_HOURLY_RANGE_DAYS = 7;
/**
 * Hourly counters are kept for today and this many days before it (the analytics cron prunes
 * older hours, README "Retention"); `interval=hour` reaches back one day less, so a range
 * the api accepts is never half pruned when the two clocks straddle midnight.
 */
export const HOURLY_RETENTION_DAYS = 31;
export const MAX_HOURLY_LOOKBACK_DAYS = HOURLY_RETENTION_DAYS - 1;

/** The time series' step: one point per UTC day (the default) or per UTC hour. */
export const STATS_INTERVALS = ["day", "hour"] as const;
export type StatsInterval = (typeof STATS_INTERVALS)[number];
export const statsIntervalSchema = z.enum(STATS_INTERVALS);

const DAY_MS = 86_400_000;

/** A calendar date `YYYY-MM-DD` (UTC) that exists. */
export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date YYYY-MM-DD")
  .refine((s) => {
    const ms = Date.parse(`${s}T00:00:00.000Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(s);
  }, "is not a calendar date");

// `interval` is optional and sent only when it is not the default, so a caller never trips a Worker that predates it.
export const statsRangeSchema = z.strictObject({ from: isoDateSchema.optional(), to: isoDateSchema.optional(), interval: statsIntervalSchema.optional() });
export const linkStatsInputSchema = statsRangeSchema.extend({ teamId: teamIdSchema, linkId: linkIdSchema });
export const teamStatsInputSchema = statsRangeSchema.extend({ teamId: teamIdSchema });

export interface DateRange {
  from: string;
  to: string;
}

/** A resolved range and the step of its time series. */
export interface StatsRange extends DateRange {
  interval: StatsInterval;
}

/** The range as the Stats RPC input takes it: `interval` only when it is not the default. */
export function rpcRangeOf(range: StatsRange): z.infer<typeof statsRangeSchema> {
  return range.interval === "day" ? { from: range.from, to: range.to } : { from: range.from, to: range.to, interval: range.interval };
}

export interface RangeIssue {
  path: string;
  message: string;
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00.000Z`) - Date.parse(`${from}T00:00:00.000Z`)) / DAY_MS);
}

/**
 * Fills in the defaults (the last 30 days up to `to`, `to` = today UTC; with `interval=hour`
 * the last 7 days) and checks the order and length of a parsed range: an hourly one covers at
 * most 7 days, none earlier than the hourly counters' retention.
 */
export function resolveRange(input: z.infer<typeof statsRangeSchema>, now: Date): { range: StatsRange } | { issues: RangeIssue[] } {
  const interval = input.interval ?? "day";
  const today = now.toISOString().slice(0, 10);
  const to = input.to ?? today;
  const from = input.from ?? addDays(to, -((interval === "hour" ? MAX_HOURLY_RANGE_DAYS : DEFAULT_RANGE_DAYS) - 1));
  if (from > to) return { issues: [{ path: "from", message: "must not be after to" }] };
  if (daysBetween(from, to) + 1 > MAX_RANGE_DAYS) return { issues: [{ path: "to", message: `the range is at most ${MAX_RANGE_DAYS} days` }] };
  if (interval === "hour") {
    if (daysBetween(from, to) + 1 > MAX_HOURLY_RANGE_DAYS)
      return { issues: [{ path: "interval", message: `interval=hour covers at most ${MAX_HOURLY_RANGE_DAYS} days (use interval=day)` }] };
    if (from < addDays(today, -MAX_HOURLY_LOOKBACK_DAYS))
      return { issues: [{ path: "from", message: `interval=hour reaches back at most ${MAX_HOURLY_LOOKBACK_DAYS} days` }] };
  }
  return { range: { from, to, interval } };
}

/** The ISO instant of an hour `YYYY-MM-DDTHH` (how hourly_clicks keys it): `YYYY-MM-DDTHH:00:00.000Z`. */
export const hourInstant = (hour: string) => `${hour}:00:00.000Z`;

export interface KeyClicks {
  key: string;
  clicks: number;
}

/** The answer of API.md `GET /v1/links/:id/stats` (and of the team-wide totals). */
export interface StatsView {
  clicks: number;
  uniqueVisitors: number;
  botClicks: number;
  /** Human clicks whose visitor came through the link's QR code (a part of `clicks`). */
  qrScans: number;
  /** Every day (`YYYY-MM-DD`) or, with `interval=hour`, every UTC hour (`YYYY-MM-DDTHH:00:00.000Z`) of the range, zero-filled. */
  timeseries: { date: string; clicks: number }[];
  countries: KeyClicks[];
  referrers: KeyClicks[];
  devices: KeyClicks[];
  browsers: KeyClicks[];
  os: KeyClicks[];
  /** Key `City, Region, CC` (the parts the edge knew), or "unknown". */
  cities: KeyClicks[];
  /** Key `Region, CC`, or "unknown". */
  regions: KeyClicks[];
  /** Key: the matched targeting rule's index ("0".."19"); clicks that matched no rule are not listed. */
  rules: KeyClicks[];
}

/** StatsView's lists of `[{key, clicks}]`, most clicked first (at most MAX_KEYS_PER_DIMENSION each), in the order answers and CSV list them. */
export const STATS_LISTS = [
  "countries",
  "referrers",
  "devices",
  "browsers",
  "os",
  "cities",
  "regions",
  "rules",
] as const satisfies readonly (keyof StatsView)[];
export type StatsList = (typeof STATS_LISTS)[number];
