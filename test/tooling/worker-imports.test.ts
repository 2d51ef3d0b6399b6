import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Between Workers only contracts travel (STYLE.md 11): a Worker's code imports events/, contracts/,
// db/ and workers/shared/, never another Worker's src/. The imports below predate that rule and
// are issue 14's to move; any other one fails here.
const KNOWN_DEBT = [
  "workers/api/src/analytics/stats-routes.ts -> workers/consumers/analytics/src/stats-schemas",
  "workers/api/src/qr/qr-routes.ts -> workers/consumers/qr/src/render-qr",
  "workers/api/src/webhooks/webhooks-routes.ts -> workers/consumers/webhooks/src/event-names",
];

const root = path.resolve(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (name === "node_modules" || name === "test") return [];
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith(".ts") && !name.endsWith(".d.ts") ? [full] : [];
  });
}

/** The Worker folder a file belongs to (workers/api, workers/fanout, workers/consumers/qr, ...), or null for shared code. */
function workerOf(file: string): string | null {
  const match = /^workers\/(consumers\/[^/]+|(?!shared\/)[^/]+)\//.exec(file);
  return match ? `workers/${match[1]}` : null;
}

describe("imports between Workers", () => {
  it("reach another Worker's src/ only where issue 14 still has to move them", () => {
    const found: string[] = [];
    for (const file of [...sources(path.join(root, "workers")), ...sources(path.join(root, "durable-objects"))]) {
      const from = path.relative(root, file);
      for (const [, spec] of readFileSync(file, "utf8").matchAll(/from "(\.[^"]+)"/g)) {
        const target = path.relative(root, path.resolve(path.dirname(file), spec ?? ""));
        const owner = workerOf(target);
        if (owner && target.startsWith(`${owner}/src/`) && owner !== workerOf(from)) found.push(`${from} -> ${target}`);
      }
    }
    expect(found.sort()).toEqual([...KNOWN_DEBT].sort());
  });
});
