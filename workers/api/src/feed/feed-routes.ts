import { createRoute, z } from "@hono/zod-openapi";
import { configOf } from "../config";
import { ApiError } from "../http/errors";
import { bearerSecurity, commonErrors, errorSchema, jsonContent, newRouter } from "../http/openapi";
import { ID_PATTERN } from "../ids";
import { FEED_TOKEN_TTL_SECONDS, mintFeedToken, verifyFeedToken } from "./feed-token";

export const feedRoutes = newRouter();

const tokenSchema = z
  .object({
    token: z.string().openapi({ description: `Valid for ${FEED_TOKEN_TTL_SECONDS} seconds; opens this team's feed only.` }),
    expiresAt: z.string().openapi({ example: "2026-11-26T10:01:00.000Z" }),
  })
  .openapi("FeedToken");

const feedQuery = z.object({
  // Checked in the handler, so a missing token is a 401 like a wrong one, not a 400.
  token: z.string().max(256).optional().openapi({ description: "From POST /v1/feed/token" }),
  since: z
    .string()
    .regex(ID_PATTERN.evt, "must be an event id")
    .optional()
    .openapi({ description: "The last event id the client saw: what came after it is replayed first." }),
});

feedRoutes.openapi(
  createRoute({
    method: "post",
    path: "/feed/token",
    tags: ["Live feed"],
    security: bearerSecurity,
    responses: { 201: jsonContent(tokenSchema, "A short-lived token for GET /v1/feed"), ...commonErrors },
  }),
  async (c) => {
    const expiresAt = new Date(Date.now() + FEED_TOKEN_TTL_SECONDS * 1000);
    const minted = await mintFeedToken(configOf(c.env).FEED_TOKEN_SECRET, c.get("team").id, expiresAt);
    c.header("cache-control", "no-store");
    return c.json({ token: minted.token, expiresAt: minted.expiresAt.toISOString() }, 201);
  },
);

feedRoutes.openapi(
  createRoute({
    method: "get",
    path: "/feed",
    tags: ["Live feed"],
    description:
      'WebSocket upgrade to the team\'s live feed. Frames are JSON: `{type: "event", event}` per event in order of arrival, ' +
      '`{type: "ready", lastEventId, replayed}` once live, `{type: "resync", since, reason}` when `since` can no longer be replayed.',
    request: { query: feedQuery },
    responses: {
      101: { description: "Switching protocols: the feed's WebSocket" },
      400: commonErrors[400],
      401: commonErrors[401],
      426: { description: "upgrade_required: not a WebSocket request", content: { "application/json": { schema: errorSchema } } },
    },
  }),
  async (c) => {
    const { token, since } = c.req.valid("query");
    // The token is checked before anything else, so a refused client learns nothing more.
    const teamId = token ? await verifyFeedToken(configOf(c.env).FEED_TOKEN_SECRET, token, new Date()) : null;
    if (!teamId) throw new ApiError("unauthorized", "The feed token is missing, expired or not valid; get one from POST /v1/feed/token.");
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError("upgrade_required", "Connect with a WebSocket (Upgrade: websocket).", undefined, { upgrade: "websocket" });
    }
    const target = new URL("https://team-feed/connect");
    if (since) target.searchParams.set("since", since);
    const feed = c.env.TEAM_FEED.get(c.env.TEAM_FEED.idFromName(teamId));
    return feed.fetch(new Request(target, { headers: c.req.raw.headers }));
  },
);
