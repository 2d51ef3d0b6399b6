import path from "node:path";
import { build } from "esbuild";
import { WORKER_BUNDLE_OPTIONS } from "../../scripts/lib/worker-bundle.mjs";

const root = path.resolve(import.meta.dirname, "../..");
export const TEST_BUILD_DIR = path.join(root, ".wrangler/test-build");

/**
 * Auxiliary Workers in a vitest-plugin project must be plain JS: bundle the real
 * sources (the same code wrangler deploys) before the tests start.
 */
export async function bundleWorker(entry: string, name: string): Promise<string> {
  const outfile = path.join(TEST_BUILD_DIR, `${name}.js`);
  await build({ ...WORKER_BUNDLE_OPTIONS, entryPoints: [path.join(root, entry)], outfile });
  return outfile;
}
