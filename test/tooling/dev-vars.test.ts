import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ensureDevVarsIn } from "../../scripts/lib/dev-vars.mjs";

function workerDir(example: string, devVars?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "devvars-"));
  writeFileSync(path.join(dir, ".dev.vars.example"), example);
  if (devVars !== undefined) writeFileSync(path.join(dir, ".dev.vars"), devVars);
  return dir;
}

describe("npm run dev's secrets", () => {
  const example = readFileSync(path.resolve(import.meta.dirname, "../../.dev.vars.example"), "utf8");

  it("writes strong random values for every key of the example", () => {
    const vars = ensureDevVarsIn(workerDir(example));
    expect(Object.keys(vars ?? {})).toEqual(["ADMIN_TOKEN", "VISITOR_HASH_SECRET", "FEED_TOKEN_SECRET"]);
  });

  it("gives a key the api's .dev.vars has too the api's value (the edge's VISITOR_HASH_SECRET), others a random one", () => {
    const api = ensureDevVarsIn(workerDir(example)) ?? {};
    const edgeExample = readFileSync(path.resolve(import.meta.dirname, "../../workers/api/edge/.dev.vars.example"), "utf8");
    expect(ensureDevVarsIn(workerDir(edgeExample), api)).toEqual({ VISITOR_HASH_SECRET: api["VISITOR_HASH_SECRET"] });
    const other = ensureDevVarsIn(workerDir("OTHER_KEY=x\n"), api) ?? {};
    expect(Object.keys(other)).toEqual(["OTHER_KEY"]);
    expect(other["OTHER_KEY"]).toHaveLength(43);
  });

  it("stops with a clear error when .dev.vars holds the example's placeholder or a weak value", () => {
    expect(() => ensureDevVarsIn(workerDir(example, example))).toThrow(/ADMIN_TOKEN is a placeholder.*VISITOR_HASH_SECRET is a placeholder/);
    const weak = "ADMIN_TOKEN=aaaaaaaaaaaaaaaaaaaaaaaa\nVISITOR_HASH_SECRET=k7Qw2Zp9Lx4Rt1Vb8Nc3Md6Fg0Hj5Ys\nFEED_TOKEN_SECRET=P3nR8sT1vW5xZ7bD9fH2jK4mQ6\n";
    expect(() => ensureDevVarsIn(workerDir(example, weak))).toThrow(/ADMIN_TOKEN has too little entropy/);
  });
});
