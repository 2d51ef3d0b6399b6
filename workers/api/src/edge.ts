// The edge Worker (workers/api/edge/wrangler.toml): the stack's public front, running in every
// location (no Smart Placement). Redirects are answered here with the api's own redirect modules;
// every other request goes unchanged to the api (Smart-Placed next to the D1 primary) over the
// API service binding: one hop for API calls, none for redirects.
import { Hono } from "hono";
import { chaosOf, failingQueue } from "../../shared/chaos";
import { base64url, randomBytes } from "../../shared/crypto";
import type { AppEnv } from "./app-env";
import { linksDb } from "./db";
import { handleError, handleNotFound } from "./http/errors";
import { traceContext } from "./http/trace-context";
import { SLUG_PATTERN, isReservedSlug } from "./links/slug";
import type { RedirectEnv } from "./redirect-env";
import { fastRedirect } from "./redirect/fast-redirect";
import { redirectRoutes } from "./redirect/redirect-routes";

/** The redirect route behind the same trace context, database handle and error handling as the api's app (app.ts). */
const app = new Hono<AppEnv>();
app.onError(handleError);
app.notFound(handleNotFound);
app.use("*", traceContext);
app.use("*", async (c, next) => {
  c.set("db", linksDb(c.env.LINKS_DB));
  await next();
});
app.route("/", redirectRoutes);

/** A GET or HEAD of one path segment that is a valid, non-reserved slug: the api would route it to redirectRoutes too. */
export function isRedirectRequest(request: Request): boolean {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  const slug = new URL(request.url).pathname.slice(1);
  return SLUG_PATTERN.test(slug) && !isReservedSlug(slug);
}

// Stand-ins for the api-only secrets configOf parses (see redirectEnvOf): random per isolate,
// never compared with anything, so the edge never holds the api's admin or feed secrets. Made on
// first use: the global scope may not generate random values.
let apiOnlySecrets: { ADMIN_TOKEN: string; FEED_TOKEN_SECRET: string } | undefined;

const adapted = new WeakMap<EdgeEnv, { rate: number | undefined; env: ApiEnv }>();

/**
 * The thin adapter between this Worker's env and the redirect modules, typed with ApiEnv today.
 * EdgeEnv is not assignable to ApiEnv: it lacks the api's other bindings (LINK_EVENTS, the
 * RL_* limits, ASSETS, TEAM_FEED, LEDGER, QR, PREVIEW, ANALYTICS, BILLING, WEBHOOKS), vars the
 * redirect path never reads (OWN_HOSTS, LIMITS_MULTIPLIER) and two secrets; it is assignable to
 * RedirectEnv (checked below), which is all the redirect path reads. configOf (config.ts) still
 * parses the whole api config on the click path, whose ADMIN_TOKEN and FEED_TOKEN_SECRET must be
 * strong secrets: they get per-isolate random stand-ins. In a chaos run (CHAOS), CLICK_EVENTS
 * refuses its share of sends as the api's withChaos makes it (which would also wrap LINK_EVENTS,
 * a binding the edge has not). One adapted env per real env, so per-env caches (configOf, the
 * click sink, the click packer's batch per queue) hold.
 */
function redirectEnvOf(env: EdgeEnv): ApiEnv {
  const redirectEnv: RedirectEnv = env;
  const rate = chaosOf(env, "edge")?.queueSendFailureRate;
  const known = adapted.get(env);
  if (known && known.rate === rate) return known.env;
  const clickEvents = rate === undefined ? redirectEnv.CLICK_EVENTS : failingQueue(redirectEnv.CLICK_EVENTS, rate);
  const wrapped = {
    ...env,
    ...(apiOnlySecrets ??= { ADMIN_TOKEN: base64url(randomBytes(32)), FEED_TOKEN_SECRET: base64url(randomBytes(32)) }),
    CLICK_EVENTS: clickEvents,
  } as unknown as ApiEnv;
  adapted.set(env, { rate, env: wrapped });
  return wrapped;
}

export default {
  // A cached live short link first (no router), then the redirect route for any other slug, and
  // everything else (API, WebSocket upgrades, dashboard and docs files, /healthz) to the api.
  fetch: async (request: Request, env: EdgeEnv, ctx: ExecutionContext) => {
    const redirectEnv = redirectEnvOf(env);
    const fast = fastRedirect(request, redirectEnv, ctx);
    if (fast) return fast;
    if (isRedirectRequest(request)) return app.fetch(request, redirectEnv, ctx);
    return env.API.fetch(request);
  },
  /**
   * No cron trigger in production (the api has its own [triggers]): this runs only when the local
   * stack's `wrangler dev --test-scheduled` fires its primary, this Worker (GET /__scheduled), and
   * runs the api's minute cron over RPC.
   */
  async scheduled(controller, env) {
    const result = await env.API_CRON.minuteCron(controller.scheduledTime);
    if (!result.ok) throw new Error(`the api refused its minute cron: ${result.error.message}`);
  },
} satisfies ExportedHandler<EdgeEnv>;
