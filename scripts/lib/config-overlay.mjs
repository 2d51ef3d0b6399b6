// Extra vars for every Worker of a multi-config `wrangler dev`. `--var` reaches only the primary
// Worker (wrangler passes it to no auxiliary one), so the vars go into overlay copies of each
// config, written beside the original (relative paths keep working) and removed afterwards.
// A LIMITS_MULTIPLIER among the vars also scales each config's [[ratelimits]] (rate-limits.mjs).
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, stringify } from "smol-toml";
import { ROOT } from "./proc.mjs";
import { limitsMultiplier, scaleRateLimits } from "./rate-limits.mjs";

/**
 * @param {string[]} configs wrangler configs relative to the repo root
 * @param {Record<string, string>} vars
 * @returns {{ configs: string[], remove: () => void }} the overlay configs, in the same order
 */
export function overlayVars(configs, vars) {
  if (Object.keys(vars).length === 0) return { configs, remove: () => {} };
  const factor = limitsMultiplier(vars);
  const written = configs.map((config) => {
    const toml = overlayToml(readFileSync(path.join(ROOT, config), "utf8"), vars, factor);
    const overlay = path.join(path.dirname(config), `.${path.basename(config, ".toml")}.overlay.toml`);
    writeFileSync(path.join(ROOT, overlay), `# Generated for one run of the local stack; not committed.\n${stringify(toml)}`);
    return overlay;
  });
  return { configs: written, remove: () => written.forEach((f) => rmSync(path.join(ROOT, f), { force: true })) };
}

/**
 * One config with `vars` layered over its [vars] and its [[ratelimits]] limits times `factor`.
 * @param {string} text a wrangler.toml
 * @param {Record<string, string>} vars
 * @param {number} factor
 */
export function overlayToml(text, vars, factor) {
  const toml = parse(text);
  const existing = /** @type {import("smol-toml").TomlTable} */ (toml["vars"] ?? {});
  toml["vars"] = { ...existing, ...vars };
  const ratelimits = /** @type {{ simple?: { limit: number, period: number } }[] | undefined} */ (toml["ratelimits"]);
  if (ratelimits) toml["ratelimits"] = /** @type {import("smol-toml").TomlTable[]} */ (scaleRateLimits(ratelimits, factor));
  return toml;
}
