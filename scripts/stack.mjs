// The Linkflow stack in one declarative list: every Worker and every D1 database.
// `npm run dev`, `npm run check`, `npm run deploy`, `npm run cf-typegen`, `npm run db:generate`
// and the test setups all read it; test/tooling/stack.test.ts fails when a wrangler config or
// D1 database in the repo is missing here. Configs inside a test/ folder are
// test fixtures of a vitest project (e.g. workers/shared/test/wrangler.toml), not Workers.
import path from "node:path";
import { ensureDevVarsIn } from "./lib/dev-vars.mjs";
import { overlayVars } from "./lib/config-overlay.mjs";
import { ensureDashboardAssets } from "./lib/dashboard-assets.mjs";
import { ensureDocsAssets } from "./lib/docs-assets.mjs";
import { startWranglerDev } from "./lib/local-stack.mjs";
import { BIN, ROOT, runOrThrow } from "./lib/proc.mjs";

export { createDemoTeam, mintApiKey } from "./lib/api-client.mjs";
export { freePort } from "./lib/local-stack.mjs";
export { ROOT };

/**
 * @typedef {object} StackWorker
 * @property {string} config wrangler config, relative to the repo root
 * @property {string} envInterface the Env interface `npm run cf-typegen` generates for it
 * @property {string} dir the Worker's folder, holding its worker-configuration.d.ts
 * @property {string} typesFile
 */

/**
 * @param {string} config
 * @param {string} envInterface
 * @param {string} [dir] defaults to the config's folder
 * @returns {StackWorker}
 */
function worker(config, envInterface, dir = path.posix.dirname(config)) {
  return { config, envInterface, dir, typesFile: `${dir}/worker-configuration.d.ts` };
}

/**
 * Every Worker in start order: the first is the primary of the multi-config `wrangler dev` (it
 * gets the port, its persistence settings win, and `/__scheduled` fires its cron), and a Durable
 * Object's host comes before the Workers that bind it, but for the edge, which must be first and
 * binds the api's LinkClickCap (`wrangler dev` resolves it all the same: test/e2e/edge.e2e.test.ts). `npm run deploy` reorders by bindings
 * (scripts/lib/resources.mjs deployOrder: the edge after the api). A new Worker is one more line,
 * e.g. `worker("workers/fanout/wrangler.toml", "FanoutEnv")`.
 */
export const WORKERS = [
  // The edge Worker, the public front: redirects at the edge, everything else to the api over a
  // service binding. Its code is the api's (workers/api/src/edge.ts); primary, so one port serves all.
  worker("workers/api/edge/wrangler.toml", "EdgeEnv"),
  // The api Worker: its config is the top-level wrangler.toml, its code is in workers/api/.
  worker("wrangler.toml", "ApiEnv", "workers/api"),
  worker("workers/fanout/wrangler.toml", "FanoutEnv"),
  worker("workers/consumers/qr/wrangler.toml", "QrEnv"),
  worker("workers/consumers/analytics/wrangler.toml", "AnalyticsEnv"),
  worker("workers/consumers/billing/wrangler.toml", "BillingEnv"),
  worker("workers/consumers/webhooks/wrangler.toml", "WebhooksEnv"),
  worker("workers/consumers/preview/wrangler.toml", "PreviewEnv"),
  worker("workers/consumers/redirects/wrangler.toml", "RedirectsEnv"),
  // Binds the api's TeamFeed by script_name: after the api, its host.
  worker("workers/consumers/dashboard/wrangler.toml", "DashboardEnv"),
];

/**
 * Vars every local stack (npm run dev, e2e, bench) runs with: webhooks may go to loopback
 * http (a developer's own receiver), previews may read loopback pages, and there is no
 * network for the DNS check. Production
 * configs keep both off. Every rate limit is 1,000 times the production one (README "Limits"),
 * so e2e tests and the bench, all from one address and a few keys, are never throttled: the api
 * Worker scales its links-a-minute cap by LIMITS_MULTIPLIER, and the overlay configs (and the
 * bench's Miniflare options) scale each [[ratelimits]] limit by it (scripts/lib/rate-limits.mjs).
 */
export const LOCAL_VARS = {
  WEBHOOKS_ALLOW_LOOPBACK_HTTP: "true",
  WEBHOOKS_DNS_RESOLVER: "off",
  PREVIEW_ALLOW_LOOPBACK_HTTP: "true",
  PREVIEW_DNS_RESOLVER: "off",
  LIMITS_MULTIPLIER: "1000",
  TRUST_COUNTRY_HEADER: "true",
};

/**
 * Every D1 database with migrations: the binding, the config that declares it (its
 * migrations_dir is where wrangler reads them) and its name in drizzle.config.ts (schema
 * db/<name>.ts, migrations written to migrations/<name>).
 */
export const DATABASES = [
  { binding: "LINKS_DB", config: "wrangler.toml", name: "links" },
  { binding: "LEDGER_DB", config: "workers/fanout/wrangler.toml", name: "ledger" },
  { binding: "ANALYTICS_DB", config: "workers/consumers/analytics/wrangler.toml", name: "analytics" },
  { binding: "BILLING_DB", config: "workers/consumers/billing/wrangler.toml", name: "billing" },
  { binding: "WEBHOOKS_DB", config: "workers/consumers/webhooks/wrangler.toml", name: "webhooks" },
];

/** @param {string} relative */
const abs = (relative) => path.resolve(ROOT, relative);

/** The api Worker's config: the top-level wrangler.toml (its .dev.vars holds ADMIN_TOKEN). */
export const API_CONFIG = "wrangler.toml";

/**
 * Writes each Worker's missing .dev.vars (random secrets for the keys of the .dev.vars.example
 * beside its config; a key the api's .dev.vars has too gets the api's value, e.g. the edge's
 * VISITOR_HASH_SECRET); an existing file keeps its values.
 * @returns {Record<string, string>} the api Worker's vars, e.g. ADMIN_TOKEN (not the primary's: that is the edge)
 */
export function ensureDevVars() {
  const apiDir = path.dirname(abs(API_CONFIG));
  const api = ensureDevVarsIn(apiDir) ?? {};
  const others = [...new Set(WORKERS.map((w) => path.dirname(abs(w.config))))].filter((dir) => dir !== apiDir);
  for (const dir of others) ensureDevVarsIn(dir, api);
  return api;
}

/**
 * Applies every database's migrations to the local state in `persistTo` (idempotent).
 * @param {{ persistTo: string, echo?: boolean }} options
 */
export async function applyMigrations({ persistTo, echo = true }) {
  for (const db of DATABASES) {
    const args = ["d1", "migrations", "apply", db.binding, "--local", "--persist-to", abs(persistTo), "-c", db.config];
    await runOrThrow(BIN.wrangler, args, { echo });
  }
}

/**
 * Starts every Worker in one `wrangler dev` and resolves once /healthz answers on the primary
 * (the edge, which passes it to the api: both are up).
 * @param {import("./lib/local-stack.mjs").StackOptions} options (persistTo may be relative to the repo root)
 */
export async function startStack(options) {
  // Vars reach every Worker through overlay configs (`--var` would reach the primary only).
  const { vars = {}, ...rest } = options;
  ensureDocsAssets();
  ensureDashboardAssets();
  const overlay = overlayVars(
    WORKERS.map((w) => w.config),
    { ...LOCAL_VARS, ...vars },
  );
  try {
    const stack = await startWranglerDev(overlay.configs, { ...rest, persistTo: abs(options.persistTo) });
    return {
      ...stack,
      stop: async () => {
        await stack.stop();
        overlay.remove();
      },
      kill: async () => {
        await stack.kill();
        overlay.remove();
      },
    };
  } catch (error) {
    overlay.remove();
    throw error;
  }
}
