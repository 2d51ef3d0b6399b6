// scripts/stack.mjs lists the whole stack: a Worker, D1 database or drizzle config that exists in
// the repo but not there would be silently skipped by `npm run dev`, deploy, check and typegen.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { experimental_readRawConfig } from "wrangler";
import { describe, expect, it } from "vitest";
import { drizzleConfigOf } from "../../drizzle.config.ts";
import { DATABASES, ROOT, WORKERS } from "../../scripts/stack.mjs";

const SKIP_DIRS = new Set(["node_modules", ".git", ".wrangler", "dist", "coverage", "test-results"]);

/** Repo files whose name passes `match`, as paths relative to the root (skipping node_modules etc.). */
function findFiles(match: (name: string) => boolean, dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : findFiles(match, full);
    return match(entry.name) ? [path.relative(ROOT, full).split(path.sep).join("/")] : [];
  });
}

interface D1Config {
  binding: string;
  migrations_dir?: string;
}

function d1Databases(config: string): D1Config[] {
  const { rawConfig } = experimental_readRawConfig({ config: path.join(ROOT, config) });
  return (rawConfig.d1_databases ?? []) as D1Config[];
}

describe("scripts/stack.mjs", () => {
  it("lists every wrangler config in the repo, once (fixtures under a test/ folder aside)", () => {
    const configs = findFiles((name) => /^wrangler\.(toml|json|jsonc)$/.test(name))
      .filter((config) => !config.split("/").includes("test"))
      .sort();
    expect(WORKERS.map((w) => w.config).sort()).toEqual(configs);
    expect(new Set(WORKERS.map((w) => w.config)).size).toBe(WORKERS.length);
  });

  it("lists every D1 database that has migrations, with the config that declares it", () => {
    const declared = WORKERS.flatMap((w) =>
      d1Databases(w.config)
        .filter((db) => db.migrations_dir)
        .map((db) => `${db.binding} @ ${w.config}`),
    );
    expect(DATABASES.map((db) => `${db.binding} @ ${db.config}`).sort()).toEqual(declared.sort());
  });

  it("has one drizzle config, writing each database's migrations where wrangler reads them", () => {
    expect(findFiles((name) => /^drizzle\.(.+\.)?config\.ts$/.test(name))).toEqual(["drizzle.config.ts"]);
    for (const db of DATABASES) {
      const { out = "", schema } = drizzleConfigOf(db.name);
      expect(existsSync(path.join(ROOT, String(schema))), String(schema)).toBe(true);
      const migrationsDir = d1Databases(db.config).find((d) => d.binding === db.binding)?.migrations_dir ?? "";
      expect(path.resolve(ROOT, out), db.binding).toBe(path.resolve(ROOT, path.dirname(db.config), migrationsDir));
    }
  });

  it("has generated types for every Worker (npm run cf-typegen)", () => {
    for (const worker of WORKERS) {
      const file = path.join(ROOT, worker.typesFile);
      expect(existsSync(file), worker.typesFile).toBe(true);
      expect(readFileSync(file, "utf8")).toContain(`interface ${worker.envInterface} extends`);
    }
  });
});
