// Local secrets: each Worker's .dev.vars, made from the .dev.vars.example beside its config.
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { secretProblem } from "../../workers/shared/secret-strength.ts";

/**
 * Parses the KEY=VALUE lines of a .dev.vars / .env file (comments and blank lines skipped).
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseDotenv(text) {
  /** @type {Record<string, string>} */
  const vars = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith("#")) continue;
    const [, key = "", raw = ""] = match;
    vars[key] = /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw;
  }
  return vars;
}

const randomSecret = () => randomBytes(32).toString("base64url");

/**
 * Makes `<dir>/.dev.vars` from `<dir>/.dev.vars.example` with a fresh random value per key, or
 * the value `shared` gives that key (a secret two Workers must agree on).
 * An existing .dev.vars keeps every value it has; a key the example gained since is appended.
 * @param {string} dir absolute directory holding the Worker's wrangler config
 * @param {Record<string, string>} [shared] values for missing keys, instead of random ones
 * @returns {Record<string, string> | undefined} the vars, or undefined when the Worker has no example
 */
export function ensureDevVarsIn(dir, shared = {}) {
  const examplePath = path.join(dir, ".dev.vars.example");
  const devVarsPath = path.join(dir, ".dev.vars");
  if (!existsSync(examplePath)) return undefined;
  const keys = Object.keys(parseDotenv(readFileSync(examplePath, "utf8")));
  const label = path.relative(process.cwd(), devVarsPath) || devVarsPath;
  if (!existsSync(devVarsPath)) {
    const lines = keys.map((key) => `${key}=${shared[key] ?? randomSecret()}`);
    writeFileSync(devVarsPath, `# Local secrets, made by scripts/stack.mjs from .dev.vars.example. Not committed.\n${lines.join("\n")}\n`, { mode: 0o600 });
    console.log(`Wrote ${label} with ${keys.map((key) => (key in shared ? `${key} (shared)` : `random ${key}`)).join(", ")}.`);
  } else {
    const text = readFileSync(devVarsPath, "utf8");
    const missing = keys.filter((key) => !(key in parseDotenv(text)));
    if (missing.length > 0) {
      const lines = missing.map((key) => `${key}=${shared[key] ?? randomSecret()}`);
      appendFileSync(devVarsPath, `${text.endsWith("\n") || text === "" ? "" : "\n"}${lines.join("\n")}\n`);
      console.log(`Added random ${missing.join(", ")} to ${label}.`);
    }
  }
  const vars = parseDotenv(readFileSync(devVarsPath, "utf8"));
  // Every key of an example is a secret: a placeholder or weak value stops the stack here, with
  // the same rule the Workers apply, rather than as a 500 on the first request.
  const problems = keys.flatMap((key) => {
    const problem = secretProblem(key, vars[key] ?? "");
    return problem ? [problem] : [];
  });
  if (problems.length > 0) {
    throw new Error(`${label}: ${problems.join("; ")}. Delete the line (a random value is written) or set a strong one.`);
  }
  return vars;
}
