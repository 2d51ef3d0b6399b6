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

const DAY_MS = 86_400_000;

/** A calendar date `YYYY-MM-DD` (UTC) that exists. */
export const isoDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date YYYY-MM-DD")
  .refine((s) => {
    const ms = Date.parse(`${s}T00:00:00.000Z`);
    return !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(s);
  }, "is not a calendar date");

export const statsRangeSchema = z.strictObject({ from: isoDateSchema.optional(), to: isoDateSchema.optional() });
export const linkStatsInputSchema = statsRangeSchema.extend({ teamId: teamIdSchema, linkId: linkIdSchema });
export const teamStatsInputSchema = statsRangeSchema.extend({ teamId: teamIdSchema });

export interface DateRange {
  from: string;
  to: string;
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
 * Fills in the defaults (the last 30 days up to `to`, `to` = today UTC) and checks
 * the order and length of a parsed range.
 */
export function resolveRange(input: z.infer<typeof statsRangeSchema>, now: Date): { range: DateRange } | { issues: RangeIssue[] } {
  const to = input.to ?? now.toISOString().slice(0, 10);
  const from = input.from ?? addDays(to, -(DEFAULT_RANGE_DAYS - 1));
  if (from > to) return { issues: [{ path: "from", message: "must not be after to" }] };
  if (daysBetween(from, to) + 1 > MAX_RANGE_DAYS) return { issues: [{ path: "to", message: `the range is at most ${MAX_RANGE_DAYS} days` }] };
  return { range: { from, to } };
}

export interface KeyClicks {
  key: string;
  clicks: number;
}

/** The answer of API.md `GET /v1/links/:id/stats` (and of the team-wide totals). */
export interface StatsView {
  clicks: number;
  uniqueVisitors: number;
  botClicks: number;
  timeseries: { date: string; clicks: number }[];
  countries: KeyClicks[];
  referrers: KeyClicks[];
  devices: KeyClicks[];
  browsers: KeyClicks[];
  os: KeyClicks[];
}
