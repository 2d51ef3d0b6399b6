import { createRoute, z } from "@hono/zod-openapi";
import { isoDateSchema, MAX_RANGE_DAYS, resolveRange, type DateRange } from "#contracts/analytics/stats";
import { teamRouter } from "../auth/routers";
import { ApiError } from "../http/errors";
import { rpcValueOrThrow } from "../http/rpc-value";
import { bearerSecurity, commonErrors, jsonContent, newRouter } from "../http/openapi";
import { ID_PATTERN } from "../../../shared/ids";
import { linkIdParam } from "../links/link-schemas";
import { findLiveLink } from "../links/link-store";

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
    timeseries: z.array(z.object({ date: z.string(), clicks: z.number().int() })).openapi({ description: "Every day of the range, zero-filled" }),
    countries: keyClicks,
    referrers: keyClicks,
    devices: keyClicks,
    browsers: keyClicks,
    os: keyClicks,
  })
  .openapi("Stats");

const rangeQuery = z.strictObject({
  from: isoDateSchema.optional().openapi({ description: "First day (UTC), YYYY-MM-DD; default: 29 days before `to`" }),
  to: isoDateSchema.optional().openapi({ description: `Last day (UTC), YYYY-MM-DD; default: today. At most ${MAX_RANGE_DAYS} days in all.` }),
});

function rangeOrThrow(query: z.infer<typeof rangeQuery>): DateRange {
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
    request: { params: linkIdParam, query: rangeQuery },
    responses: { 200: jsonContent(statsSchema, "The link's clicks in the range"), ...commonErrors },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    if (!ID_PATTERN.lnk.test(id)) throw ApiError.notFound("Link");
    const range = rangeOrThrow(c.req.valid("query"));
    const teamId = c.get("team").id;
    // The links table says whether the team has this link; analytics checks the team again on its side.
    const [link, stats] = await Promise.all([
      findLiveLink(c.get("session").db, teamId, id),
      c.env.ANALYTICS.forLink({ teamId, linkId: id, ...range }).then((answer) => rpcValueOrThrow(answer)),
    ]);
    if (!link || !stats) throw ApiError.notFound("Link");
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
    return c.json(rpcValueOrThrow(await c.env.ANALYTICS.forTeam({ teamId: c.get("team").id, ...range })), 200);
  },
);
