// Extra vars for every Worker of a multi-config `wrangler dev`. `--var` reaches only the primary
// Worker (wrangler passes it to no auxiliary one), so the vars go into overlay copies of each
// config, written beside the original (relative paths keep working) and removed afterwards.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, stringify } from "smol-toml";
import { ROOT } from "./proc.mjs";

/**
 * @param {string[]} configs wrangler configs relative to the repo root
 * @param {Record<string, string>} vars
 * @returns {{ configs: string[], remove: () => void }} the overlay configs, in the same order
 */
export function overlayVars(configs, vars) {
  if (Object.keys(vars).length === 0) return { configs, remove: () => {} };
  const written = configs.map((config) => {
    const toml = parse(readFileSync(path.join(ROOT, config), "utf8"));
    const existing = /** @type {import("smol-toml").TomlTable} */ (toml["vars"] ?? {});
    toml["vars"] = { ...existing, ...vars };
    const overlay = path.join(path.dirname(config), `.${path.basename(config, ".toml")}.overlay.toml`);
    writeFileSync(path.join(ROOT, overlay), `# Generated for one run of the local stack; not committed.\n${stringify(toml)}`);
    return overlay;
  });
  return { configs: written, remove: () => written.forEach((f) => rmSync(path.join(ROOT, f), { force: true })) };
}
