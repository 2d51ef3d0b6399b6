// CHAOS (README "Fault injection") is for chaos runs only: no committed wrangler config may set
// it, and `npm run deploy` refuses one that does (scripts/lib/chaos-guard.mjs).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { refuseChaos, setsChaos } from "../../scripts/lib/chaos-guard.mjs";
import { ROOT, WORKERS } from "../../scripts/stack.mjs";

/** The top-level wrangler.toml and every workers/**\/wrangler.toml (overlays are named .wrangler.overlay.toml). */
function committedConfigs(dir = path.join(ROOT, "workers")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : committedConfigs(full);
    return entry.name === "wrangler.toml" ? [path.relative(ROOT, full).split(path.sep).join("/")] : [];
  });
}

const scratch = mkdtempSync(path.join(tmpdir(), "chaos-guard-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function configFile(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}

describe("CHAOS in wrangler configs", () => {
  it("is set in no committed config", () => {
    const configs = ["wrangler.toml", ...committedConfigs()];
    // Every deployed Worker's config is among those checked (the walk cannot silently find nothing).
    expect(configs).toEqual(expect.arrayContaining(WORKERS.map((w) => w.config)));
    expect(() => refuseChaos(configs)).not.toThrow();
  });

  it.each([
    ["[vars]\nCHAOS = '{\"consumerFailureRate\": 1}'\n", true],
    ['[vars]\nCHAOS = "{}"\n', true],
    ["[vars]\nCHAOS = { consumerFailureRate = 1 }\n", true],
    ["[env.staging.vars]\nCHAOS = '{\"queueSendFailureRate\": 0.5}'\n", true],
    ['[vars]\nCHAOS = ""\n', false],
    ['[vars]\nOTHER = "x"\n', false],
    ['name = "w"\n', false],
  ])("setsChaos(%j) is %s", (text, expected) => {
    expect(setsChaos(text)).toBe(expected);
  });

  it("makes deploy refuse, naming the configs that set it", () => {
    const clean = configFile("clean.toml", '[vars]\nCHAOS = ""\n');
    const chaotic = configFile(
      "chaotic.toml",
      'name = "w"\n[vars]\nCHAOS = \'{"d1WriteFailure": {"from": "2026-01-01T00:00:00Z", "to": "2026-01-01T00:05:00Z"}}\'\n',
    );
    expect(() => refuseChaos([clean])).not.toThrow();
    expect(() => refuseChaos([clean, chaotic])).toThrow(`CHAOS is set in ${chaotic}:`);
  });
});
