// The edge Worker (workers/api/edge/wrangler.toml): the stack's public front, running in every
// location (no Smart Placement). Redirects (and password forms' posts) are answered here with the api's own redirect modules;
// every other request goes unchanged to the api (Smart-Placed next to the D1 primary) over the
// API service binding: one hop for API calls, none for redirects.
import { Hono } from "hono";
import { chaosOf, failingQueue } from "../../shared/chaos";
import { handleError, handleNotFound } from "./http/errors";
import { traceContext } from "./http/trace-context";
import { fastRedirect, redirectSlugOf } from "./redirect/fast-redirect";
import type { RedirectAppEnv, RedirectEnv } from "./redirect/redirect-env";
import { redirectRoutes } from "./redirect/redirect-routes";

/** The redirect route behind the same trace context and error handling as the api's app (app.ts). */
const app = new Hono<RedirectAppEnv>();
app.onError(handleError);
app.notFound(handleNotFound);
app.use("*", traceContext);
app.route("/", redirectRoutes);

/** Methods of a short link: GET and HEAD redirect (or serve a password form), POST sends the password form. */
const REDIRECT_METHODS = new Set(["GET", "HEAD", "POST"]);

/**
 * A GET, HEAD or POST of one path segment that is a valid, non-reserved slug: the api would route
 * it to redirectRoutes too. A password form's post is answered here (the links DB is bound), with
 * the api's modules; the api still answers one reaching it directly.
 */
export function isRedirectRequest(request: Request): boolean {
  if (!REDIRECT_METHODS.has(request.method)) return false;
  return redirectSlugOf(request.url) !== null;
}

const chaosWrapped = new WeakMap<EdgeEnv, { rate: number | undefined; env: RedirectEnv }>();

/**
 * What the redirect modules get: the env itself, except in a chaos run (the CHAOS var), where
 * CLICK_EVENTS refuses its share of sends as the api's withChaos makes it (the edge has no
 * LINK_EVENTS to wrap). One wrapped env per real env, so the per-env caches (click settings, the
 * click sink, the packer's batch per queue) hold.
 */
function redirectEnvOf(env: EdgeEnv): RedirectEnv {
  const rate = chaosOf(env, "edge")?.queueSendFailureRate;
  if (rate === undefined) return env;
  const known = chaosWrapped.get(env);
  if (known && known.rate === rate) return known.env;
  const wrapped: RedirectEnv = { ...env, CLICK_EVENTS: failingQueue(env.CLICK_EVENTS, rate) };
  chaosWrapped.set(env, { rate, env: wrapped });
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
