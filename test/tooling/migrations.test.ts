// The committed migrations are exactly what drizzle-kit makes of the schemas in db/, in the flat
// NNNN_name.sql layout that `wrangler d1 migrations apply` and readD1Migrations read.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, run } from "../../scripts/lib/proc.mjs";
import { drizzleConfigOf } from "../../drizzle.config.ts";
import { DATABASES, ROOT } from "../../scripts/stack.mjs";

/** Every file under `dir`, as sorted paths relative to it. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

let work = "";

beforeAll(() => {
  // A scratch copy, so a schema change that lacks its migration never writes into the repo.
  work = mkdtempSync(path.join(os.tmpdir(), "linkflow-migrations-"));
  for (const entry of ["package.json", "db", "migrations", "drizzle.config.ts"]) {
    cpSync(path.join(ROOT, entry), path.join(work, entry), { recursive: true });
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(work, "node_modules"), "dir");
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe.each(DATABASES.map((db) => db.name))("%s", (name) => {
  it("has no schema change without its migration (drizzle-kit generate adds nothing)", async () => {
    const before = listFiles(path.join(work, "migrations"));
    const result = await run(BIN.drizzleKit, ["generate", "--config", "drizzle.config.ts"], { cwd: work, env: { LINKFLOW_DB: name }, echo: false });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain("No schema changes");
    expect(listFiles(path.join(work, "migrations"))).toEqual(before);
  });

  it("keeps flat NNNN_name.sql files that match drizzle's journal", async () => {
    const outDir = path.resolve(ROOT, drizzleConfigOf(name).out ?? "");
    const files = listFiles(outDir);
    const sql = files.filter((file) => !file.startsWith(`meta${path.sep}`));
    expect(sql.length).toBeGreaterThan(0);
    for (const file of sql) expect(file).toMatch(/^\d{4}_[a-z0-9_]+\.sql$/);
    const journal = JSON.parse(readFileSync(path.join(outDir, "meta/_journal.json"), "utf8")) as { entries: { tag: string }[] };
    expect(journal.entries.map((entry) => `${entry.tag}.sql`)).toEqual(sql);
  });
});
