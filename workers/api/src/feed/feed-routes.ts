import { createRoute, z } from "@hono/zod-openapi";
import { TICK_INTERVAL_MS } from "../../../../durable-objects/team-feed/click-ticks";
import { connectUrl } from "../../../../durable-objects/team-feed/feed-rpc";
import { REPLAY_RULE } from "../../../../durable-objects/team-feed/socket-state";
import { teamRouter } from "../auth/routers";
import { configOf } from "../config";
import { ApiError } from "../http/errors";
import { bearerSecurity, commonErrors, errorSchema, jsonContent, newRouter } from "../http/openapi";
import { ID_PATTERN } from "../../../shared/ids";
import { PLAN_LIMITS, limitsOf } from "../limits/plan-limits";
import { clientAddress, consumeOrThrow, RATE_LIMIT_RULES } from "../limits/rate-limit";
import { activeKeyPlan } from "./feed-key";
import { FEED_TOKEN_TTL_SECONDS, mintFeedToken, verifyFeedToken } from "./feed-token";

/** POST /v1/feed/token: minted with a team's API key. */
export const feedTokenRoutes = teamRouter();

/** GET /v1/feed: no API key (a browser's WebSocket cannot send one); the feed token in the query is checked instead. */
export const feedRoutes = newRouter();

const tokenSchema = z
  .object({
    token: z.string().openapi({
      description: `Valid for ${FEED_TOKEN_TTL_SECONDS} seconds; opens this team's feed only, and only while the API key it was minted with is not revoked.`,
    }),
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

feedTokenRoutes.openapi(
  createRoute({
    method: "post",
    path: "/",
    tags: ["Live feed"],
    security: bearerSecurity,
    responses: { 201: jsonContent(tokenSchema, "A short-lived token for GET /v1/feed"), ...commonErrors },
  }),
  async (c) => {
    const expiresAt = new Date(Date.now() + FEED_TOKEN_TTL_SECONDS * 1000);
    const team = c.get("team");
    const minted = await mintFeedToken(configOf(c.env).FEED_TOKEN_SECRET, { teamId: team.id, keyId: team.keyId }, expiresAt);
    c.header("cache-control", "no-store");
    return c.json({ token: minted.token, expiresAt: minted.expiresAt.toISOString() }, 201);
  },
);

feedRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["Live feed"],
    description:
      'WebSocket upgrade to the team\'s live feed. Frames are JSON: `{type: "event", event}` per lifecycle event in order of arrival, ' +
      `\`{type: "clicks", at, counts: [{linkId, slug, clicks}]}\` with the human clicks per link since the previous one (at most one every ${TICK_INTERVAL_MS} ms; never replayed), ` +
      '`{type: "ready", lastEventId, replayed}` once live, `{type: "resync", since, reason}` when `since` can no longer be replayed. ' +
      "Limits: a team has at most " +
      `${PLAN_LIMITS.free.feedSockets} (free) or ${PLAN_LIMITS.pro.feedSockets} (pro) sockets open at once (over that: 429); ` +
      `a socket may send ${REPLAY_RULE.capacity} \`{type: "since"}\` frames at once and one every ${REPLAY_RULE.refillMs / 1000} s after that ` +
      '(over that: `{type: "error", error: {code: "rate_limited", retryAfter}}`); a socket that keeps sending refused frames is closed with 1008. ' +
      "Revoking the API key the token was minted with closes its sockets with code 4001 (`api key revoked`): do not reconnect. " +
      "Failed tokens count against the client address's guess limit (429 once spent).",
    request: { query: feedQuery },
    responses: {
      101: { description: "Switching protocols: the feed's WebSocket" },
      400: commonErrors[400],
      401: {
        description: "unauthorized: the token is missing, expired or not valid, or its API key has been revoked",
        content: { "application/json": { schema: errorSchema } },
      },
      426: { description: "upgrade_required: not a WebSocket request", content: { "application/json": { schema: errorSchema } } },
      429: {
        description:
          "rate_limited: too many failed feed tokens from this address, or the team already has as many sockets open as its plan allows; see Retry-After",
        headers: { "Retry-After": { description: "Seconds to wait before trying again", schema: { type: "integer" } } },
        content: { "application/json": { schema: errorSchema } },
      },
    },
  }),
  async (c) => {
    const { token, since } = c.req.valid("query");
    // The token is checked before anything else, so a refused client learns nothing more.
    const claims = token ? await verifyFeedToken(configOf(c.env).FEED_TOKEN_SECRET, token, new Date()) : null;
    if (!claims) {
      // Every failed token is a guess of this address: 429 once its guesses are spent.
      await consumeOrThrow(c.env.RL_GUESSES, RATE_LIMIT_RULES.RL_GUESSES, clientAddress(c.req.raw), "feed tokens tried");
      throw new ApiError("unauthorized", "The feed token is missing, expired or not valid; get one from POST /v1/feed/token.");
    }
    const plan = await activeKeyPlan(c.get("db"), claims);
    if (!plan) throw new ApiError("unauthorized", "The API key this feed token was minted with has been revoked.");
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError("upgrade_required", "Connect with a WebSocket (Upgrade: websocket).", undefined, { upgrade: "websocket" });
    }
    const target = connectUrl({ team: claims.teamId, key: claims.keyId, maxSockets: limitsOf(plan).feedSockets, since });
    const feed = c.env.TEAM_FEED.get(c.env.TEAM_FEED.idFromName(claims.teamId));
    return feed.fetch(new Request(target, { headers: c.req.raw.headers }));
  },
);
