// ensureDevVars's building block: a Worker's .dev.vars made from its .dev.vars.example.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ensureDevVarsIn, parseDotenv } from "../../scripts/lib/dev-vars.mjs";

let dir = "";

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "linkflow-dev-vars-"));
  writeFileSync(path.join(dir, ".dev.vars.example"), "# comment\nADMIN_TOKEN=replace-me\nVISITOR_HASH_SECRET=replace-me\n");
  vi.spyOn(console, "log").mockImplementation(() => {});
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe("ensureDevVarsIn", () => {
  it("writes a missing .dev.vars with a fresh long random value per key", () => {
    const vars = ensureDevVarsIn(dir);
    expect(Object.keys(vars ?? {})).toEqual(["ADMIN_TOKEN", "VISITOR_HASH_SECRET"]);
    expect(vars?.ADMIN_TOKEN).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(vars?.ADMIN_TOKEN).not.toBe(vars?.VISITOR_HASH_SECRET);
    expect(parseDotenv(readFileSync(path.join(dir, ".dev.vars"), "utf8"))).toEqual(vars);
  });

  it("leaves an existing .dev.vars alone", () => {
    const text = "ADMIN_TOKEN=mine-0123456789abcdef\nVISITOR_HASH_SECRET=also-mine-0123456789\n";
    writeFileSync(path.join(dir, ".dev.vars"), text);
    expect(ensureDevVarsIn(dir)).toEqual({ ADMIN_TOKEN: "mine-0123456789abcdef", VISITOR_HASH_SECRET: "also-mine-0123456789" });
    expect(readFileSync(path.join(dir, ".dev.vars"), "utf8")).toBe(text);
  });

  it("only appends a key the example gained since, keeping existing values", () => {
    writeFileSync(path.join(dir, ".dev.vars"), "ADMIN_TOKEN=mine-0123456789abcdef");
    const vars = ensureDevVarsIn(dir);
    expect(vars?.ADMIN_TOKEN).toBe("mine-0123456789abcdef");
    expect(vars?.VISITOR_HASH_SECRET).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it("does nothing for a Worker without a .dev.vars.example", () => {
    rmSync(path.join(dir, ".dev.vars.example"));
    expect(ensureDevVarsIn(dir)).toBeUndefined();
  });
});
