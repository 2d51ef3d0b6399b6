import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "../..");
export const TEST_BUILD_DIR = path.join(root, ".wrangler/test-build");

/**
 * Auxiliary Workers in a vitest-plugin project must be plain JS: bundle the real
 * sources (the same code wrangler deploys) before the tests start.
 */
export async function bundleWorker(entry: string, name: string): Promise<string> {
  const outfile = path.join(TEST_BUILD_DIR, `${name}.js`);
  await build({
    entryPoints: [path.join(root, entry)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2024",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    logLevel: "warning",
  });
  return outfile;
}
