// One Worker's Miniflare options, read from its wrangler config through wrangler's own converter,
// so bindings, queues, Durable Objects and assets match `wrangler dev`. The bench and the api's
// test project build the stack's Workers from it: none of them copies a config by hand.
import path from "node:path";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { ROOT } from "./proc.mjs";
import { scaleRateLimits } from "./rate-limits.mjs";

/**
 * @param {string} config wrangler config relative to the repo root
 * @param {{ limitsFactor?: number }} [options] limitsFactor scales the Rate Limiting bindings as
 *   the local stack's overlay configs do (scripts/lib/rate-limits.mjs)
 * @returns {{ name: string, main: string, define: Record<string, string>, options: import("miniflare").V4WorkerOptionsShape }}
 */
export function workerOptionsFromConfig(config, { limitsFactor = 1 } = {}) {
  const parsed = unstable_readConfig({ config: path.join(ROOT, config) });
  parsed.ratelimits = scaleRateLimits(parsed.ratelimits, limitsFactor) ?? [];
  const { workerOptions, define, main } = unstable_getMiniflareWorkerOptions(parsed);
  if (!main) throw new Error(`${config} names no main module`);
  if (!parsed.name) throw new Error(`${config} names no Worker`);
  // Wrangler declares these options through an Omit<> that erases their fields; they are
  // Miniflare's own V4 worker options (wrangler built them for Miniflare).
  const shape = /** @type {import("miniflare").V4WorkerOptionsShape & { modulesRules?: unknown }} */ (workerOptions);
  // Module rules are for files a bundle would import raw; esbuild inlines everything.
  const { modulesRules: _rules, ...options } = shape;
  return { name: parsed.name, main, define, options };
}
