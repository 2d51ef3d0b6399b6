// CHAOS (README "Fault injection") switches on fault injection for chaos runs only. It is never
// in a committed config (test/tooling/chaos-guard.test.ts) and `npm run deploy` refuses a config
// that sets it. An empty CHAOS is off, as the Workers read it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { ROOT } from "./proc.mjs";

/**
 * Whether a wrangler.toml sets CHAOS to anything but "" in its [vars] or an environment's.
 * @param {string} text
 */
export function setsChaos(text) {
  const toml = parse(text);
  const environments = /** @type {Record<string, { vars?: unknown }>} */ (toml["env"] ?? {});
  return [toml["vars"], ...Object.values(environments).map((e) => e.vars)].some(
    (vars) => typeof vars === "object" && vars !== null && "CHAOS" in vars && /** @type {{ CHAOS: unknown }} */ (vars).CHAOS !== "",
  );
}

/**
 * Throws, naming them, when any of the configs (relative to the repo root, or absolute) sets CHAOS.
 * @param {string[]} configs
 */
export function refuseChaos(configs) {
  const chaotic = configs.filter((config) => setsChaos(readFileSync(path.resolve(ROOT, config), "utf8")));
  if (chaotic.length > 0) {
    throw new Error(`CHAOS is set in ${chaotic.join(", ")}: fault injection is for chaos runs only and is never deployed (README "Fault injection")`);
  }
}
