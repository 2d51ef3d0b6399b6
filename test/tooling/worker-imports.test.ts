import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Between Workers only contracts travel (STYLE.md 11): a Worker's code imports events/, contracts/
// and db/ through their aliases (package.json "imports": #events, #contracts/*, #db/*) and
// workers/shared/, never another Worker's src/.
const root = path.resolve(import.meta.dirname, "../..");
const SHARED_TOP_LEVEL = ["events", "contracts", "db"];

function sources(dir: string, withTests: boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === "node_modules" || name.startsWith(".") || (!withTests && name === "test")) return [];
    if (statSync(full).isDirectory()) return sources(full, withTests);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [full] : [];
  });
}

/** The Worker folder a file belongs to (workers/api, workers/fanout, workers/consumers/qr, ...), or null for shared code. */
function workerOf(file: string): string | null {
  const match = /^workers\/(consumers\/[^/]+|(?!shared\/)[^/]+)\//.exec(file);
  return match ? `workers/${match[1]}` : null;
}

/** Every relative import of a file, as [importing file, imported path], both relative to the root. */
function relativeImports(file: string): [string, string][] {
  const from = path.relative(root, file);
  return [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)].map(([, spec]) => [
    from,
    path.relative(root, path.resolve(path.dirname(file), spec ?? "")),
  ]);
}

describe("imports between Workers", () => {
  it("never reach another Worker's src/", () => {
    const found: string[] = [];
    for (const file of [...sources(path.join(root, "workers"), false), ...sources(path.join(root, "durable-objects"), false)]) {
      for (const [from, target] of relativeImports(file)) {
        const owner = workerOf(target);
        if (owner && target.startsWith(`${owner}/src/`) && owner !== workerOf(from)) found.push(`${from} -> ${target}`);
      }
    }
    expect(found).toEqual([]);
  });

  it("reach events/, contracts/ and db/ by their aliases, not by ../ paths", () => {
    const found: string[] = [];
    const everywhere = ["workers", "durable-objects", "contracts", "events", "db", "test", "bench"].flatMap((dir) => sources(path.join(root, dir), true));
    for (const file of everywhere) {
      const home = path.relative(root, file).split("/")[0];
      for (const [from, target] of relativeImports(file)) {
        const top = target.split("/")[0] ?? "";
        // Inside its own folder a module may use ./ paths (events/index.ts re-exports its parts).
        if (SHARED_TOP_LEVEL.includes(top) && top !== home) found.push(`${from} -> ${target}`);
      }
    }
    expect(found).toEqual([]);
  });
});
