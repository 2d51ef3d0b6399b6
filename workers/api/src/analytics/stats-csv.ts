import { STATS_LISTS, type StatsView } from "#contracts/analytics/stats";

/**
 * `GET /v1/links/:id/stats?format=csv`: the same answer as the JSON, flattened into one table
 * of `section,key,clicks` rows (README "Stats and usage"): the header row, then `total`,
 * `uniqueVisitors`, `botClicks` and `qrScans` with an empty key, one `timeseries` row per day or
 * hour (key: its `date`), then one row per value of `countries`, `referrers`, `devices`,
 * `browsers`, `os`, `cities`, `regions` and `rules`, in the JSON's order. RFC 4180: CRLF line ends, a field holding a
 * comma, a quote, CR or LF is quoted with its quotes doubled.
 */
export const CSV_HEADER = ["section", "key", "clicks"] as const;

/**
 * Characters that make a spreadsheet read a cell as a formula (or hide what precedes one).
 * Keys such as referrer hosts come from visitors, so a text field starting with one gets a
 * leading `'` (OWASP "CSV Injection"): `=cmd.example` exports as `'=cmd.example`.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field: guarded against formulas (text only; counts are never negative), then quoted when it must be. */
export function csvField(value: string | number): string {
  let field = String(value);
  if (typeof value === "string" && FORMULA_START.test(field)) field = `'${field}`;
  return NEEDS_QUOTES.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

export function csvRows(rows: readonly (readonly (string | number)[])[]): string {
  return rows.map((row) => `${row.map(csvField).join(",")}\r\n`).join("");
}

/** The stats answer as CSV text. */
export function statsCsv(stats: StatsView): string {
  const rows: (string | number)[][] = [
    [...CSV_HEADER],
    ["total", "", stats.clicks],
    ["uniqueVisitors", "", stats.uniqueVisitors],
    ["botClicks", "", stats.botClicks],
    ["qrScans", "", stats.qrScans],
    ...stats.timeseries.map((point) => ["timeseries", point.date, point.clicks]),
  ];
  for (const list of STATS_LISTS) for (const item of stats[list]) rows.push([list, item.key, item.clicks]);
  return csvRows(rows);
}

/** The download's file name: the slug (letters, digits, `-`, `_` only) and the range. */
export function statsCsvFilename(slug: string, from: string, to: string): string {
  return `${slug.replace(/[^A-Za-z0-9_-]/g, "_")}-stats-${from}-${to}.csv`;
}
