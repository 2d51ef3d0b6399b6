import { createRoute, z } from "@hono/zod-openapi";
import {
  HOURLY_RETENTION_DAYS,
  isoDateSchema,
  MAX_HOURLY_LOOKBACK_DAYS,
  MAX_HOURLY_RANGE_DAYS,
  MAX_RANGE_DAYS,
  resolveRange,
  rpcRangeOf,
  statsIntervalSchema,
  type StatsRange,
} from "#contracts/analytics/stats";
import { teamRouter } from "../auth/routers";
import { ApiError } from "../http/errors";
import { rpcValueOrThrow } from "../http/rpc-value";
import { bearerSecurity, commonErrors, jsonContent, newRouter } from "../http/openapi";
import { ID_PATTERN } from "../../../shared/ids";
import { linkIdParam } from "../links/link-schemas";
import { findLiveLink } from "../links/link-store";
import { statsCsv, statsCsvFilename } from "./stats-csv";

// Click stats, answered by the analytics Worker over RPC (its `Stats` entrypoint); the api reads none of its tables.

/** GET /v1/links/:id/stats: mounted inside linksRoutes, whose guard it shares. */
export const linkStatsRoutes = newRouter();

/** GET /v1/stats: the team's stats over all its links. */
export const teamStatsRoutes = teamRouter();

const keyClicks = z.array(z.object({ key: z.string(), clicks: z.number().int() }));
const statsSchema = z
  .object({
    clicks: z.number().int().openapi({ description: "Human clicks (bots excluded)" }),
    uniqueVisitors: z.number().int().openapi({ description: "Distinct visitors per UTC day, summed over the days" }),
    botClicks: z.number().int(),
    qrScans: z.number().int().openapi({ description: "Human clicks whose visitor scanned the link's QR code (a part of `clicks`)" }),
    timeseries: z.array(z.object({ date: z.string(), clicks: z.number().int() })).openapi({
      description:
        "Every step of the range, zero-filled, in order: with `interval=day` one per UTC day (`date` is `YYYY-MM-DD`), with `interval=hour` one per UTC hour (`date` is the hour's ISO instant, e.g. `2026-12-01T13:00:00.000Z`)",
    }),
    countries: keyClicks,
    referrers: keyClicks,
    devices: keyClicks,
    browsers: keyClicks,
    os: keyClicks,
    cities: keyClicks.openapi({
      description: "Human clicks per city, key `City, Region, CC` (the parts the edge knew, e.g. `Berlin, Berlin, DE`), or `unknown`",
    }),
    regions: keyClicks.openapi({ description: "Human clicks per region, key `Region, CC` (e.g. `Bavaria, DE`), or `unknown`" }),
    rules: keyClicks.openapi({
      description: "Human clicks per matched targeting rule, key the rule's index (`0`..`19`); clicks that matched no rule are not listed",
    }),
  })
  .openapi("Stats");

const rangeQuery = z.strictObject({
  from: isoDateSchema
    .optional()
    .openapi({ description: `First day (UTC), YYYY-MM-DD; default: 29 days before \`to\` (${MAX_HOURLY_RANGE_DAYS - 1} with \`interval=hour\`)` }),
  to: isoDateSchema.optional().openapi({ description: `Last day (UTC), YYYY-MM-DD; default: today. At most ${MAX_RANGE_DAYS} days in all.` }),
  interval: statsIntervalSchema.optional().openapi({
    description: `The time series' step: \`day\` (default) or \`hour\` (UTC hours; a range of at most ${MAX_HOURLY_RANGE_DAYS} days, starting at most ${MAX_HOURLY_LOOKBACK_DAYS} days ago: hourly counts are kept ${HOURLY_RETENTION_DAYS} days)`,
  }),
});

const STATS_FORMATS = ["json", "csv"] as const;
const linkStatsQuery = rangeQuery.extend({
  format: z.enum(STATS_FORMATS).optional().openapi({
    description:
      '`json` (default) or `csv`: a `text/csv` download of `section,key,clicks` rows (README "Stats and usage"), fields starting with `=`, `+`, `-`, `@`, tab or CR prefixed with `\'`',
  }),
});

const csvSchema = z.string().openapi({
  description:
    "RFC 4180 CSV (CRLF line ends), header `section,key,clicks`; rows `total`, `uniqueVisitors`, `botClicks`, `qrScans` (empty key), one `timeseries` row per step (key: its date), then `countries`, `referrers`, `devices`, `browsers`, `os`, `cities`, `regions`, `rules` (key: the value)",
  example:
    'section,key,clicks\r\ntotal,,3\r\nuniqueVisitors,,2\r\nbotClicks,,1\r\nqrScans,,1\r\ntimeseries,2026-12-01,3\r\ncountries,DE,2\r\ncities,"Berlin, Berlin, DE",2\r\nrules,0,1\r\n',
});

function rangeOrThrow(query: z.infer<typeof rangeQuery>): StatsRange {
  const resolved = resolveRange(query, new Date());
  if ("issues" in resolved)
    throw ApiError.invalid(
      "The date range is not valid.",
      resolved.issues.map((i) => ({ path: `query.${i.path}`, message: i.message })),
    );
  return resolved.range;
}

linkStatsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{id}/stats",
    tags: ["Stats"],
    security: bearerSecurity,
    request: { params: linkIdParam, query: linkStatsQuery },
    responses: {
      200: {
        description:
          'The link\'s clicks in the range (`format=csv`: as a CSV download, `content-disposition: attachment; filename="<slug>-stats-<from>-<to>.csv"`)',
        content: { "application/json": { schema: statsSchema }, "text/csv": { schema: csvSchema } },
      },
      ...commonErrors,
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    if (!ID_PATTERN.lnk.test(id)) throw ApiError.notFound("Link");
    const { format, ...query } = c.req.valid("query");
    const range = rangeOrThrow(query);
    const teamId = c.get("team").id;
    // The links table says whether the team has this link; analytics checks the team again on its side.
    const [link, stats] = await Promise.all([
      findLiveLink(c.get("session").db, teamId, id),
      c.env.ANALYTICS.forLink({ teamId, linkId: id, ...rpcRangeOf(range) }).then((answer) => rpcValueOrThrow(answer)),
    ]);
    if (!link || !stats) throw ApiError.notFound("Link");
    if (format === "csv") {
      c.header("content-type", "text/csv; charset=utf-8");
      c.header("content-disposition", `attachment; filename="${statsCsvFilename(link.slug, range.from, range.to)}"`);
      c.header("x-content-type-options", "nosniff");
      return c.body(statsCsv(stats), 200);
    }
    return c.json(stats, 200);
  },
);

teamStatsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["Stats"],
    security: bearerSecurity,
    request: { query: rangeQuery },
    responses: { 200: jsonContent(statsSchema, "The team's clicks over all its links (deleted ones included) in the range"), ...commonErrors },
  }),
  async (c) => {
    const range = rangeOrThrow(c.req.valid("query"));
    return c.json(rpcValueOrThrow(await c.env.ANALYTICS.forTeam({ teamId: c.get("team").id, ...rpcRangeOf(range) })), 200);
  },
);
