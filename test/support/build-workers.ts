import path from "node:path";
import { build } from "esbuild";
import type { LegacyWorkerOptions } from "miniflare";
import { WORKER_BUNDLE_OPTIONS } from "../../scripts/lib/worker-bundle.mjs";
import { workerOptionsFromConfig } from "../../scripts/lib/worker-options.mjs";

const root = path.resolve(import.meta.dirname, "../..");
export const TEST_BUILD_DIR = path.join(root, ".wrangler/test-build");

/**
 * Auxiliary Workers in a vitest-plugin project must be plain JS: bundle the real
 * sources (the same code wrangler deploys) before the tests start.
 */
export async function bundleWorker(entry: string, name: string, define: Record<string, string> = {}): Promise<string> {
  const outfile = path.join(TEST_BUILD_DIR, `${name}.js`);
  await build({ ...WORKER_BUNDLE_OPTIONS, entryPoints: [path.resolve(root, entry)], outfile, define });
  return outfile;
}

/** Bundles the main module of a stack Worker's wrangler config for stackTestWorker (a global setup's job). */
export async function bundleStackWorker(config: string): Promise<string> {
  const { name, main, define } = workerOptionsFromConfig(config);
  return bundleWorker(main, name, define);
}

/** How fast a test project's queues deliver: a batch within 50 ms (not the production seconds), a retry at once. */
const TEST_CONSUMER = { maxBatchSize: 100, maxBatchTimeout: 0.05 };

/**
 * A stack Worker as an auxiliary Worker of a test project: the bindings, vars and queues of its
 * wrangler config, its code from bundleStackWorker. `consumes` narrows the queues it consumes
 * (another Worker of the project may own one, e.g. a recorder); each is consumed at test speed.
 * `bindings` are test-only vars and secrets over the config's. The config's crons are left out
 * (tests run a cron by calling it), and its rootPath: the bundle lives outside the Worker's folder.
 */
export function stackTestWorker(
  config: string,
  { consumes, bindings = {} }: { consumes?: readonly string[]; bindings?: Record<string, string> } = {},
): LegacyWorkerOptions {
  const { name, options } = workerOptionsFromConfig(config);
  const { cronTriggers: _crons, rootPath: _root, queueConsumers = {}, ...rest } = options;
  const declared = Array.isArray(queueConsumers) ? queueConsumers : Object.keys(queueConsumers);
  const unknown = consumes?.filter((queue) => !declared.includes(queue)) ?? [];
  if (unknown.length > 0) throw new Error(`${config} consumes no ${unknown.join(", ")}`);
  const queues = consumes ?? declared;
  return {
    ...rest,
    name,
    bindings: { ...rest.bindings, ...bindings },
    modules: true,
    scriptPath: path.join(TEST_BUILD_DIR, `${name}.js`),
    queueConsumers: Object.fromEntries(queues.map((queue) => [queue, TEST_CONSUMER])),
  };
}

/** The D1 databases of these Workers, binding to id, for a test runner to bind by the same ids (e.g. to migrate them). */
export function d1DatabasesOf(workers: readonly LegacyWorkerOptions[]): Record<string, string> {
  return Object.fromEntries(
    workers.flatMap(({ d1Databases = {} }) =>
      Array.isArray(d1Databases)
        ? d1Databases.map((binding) => [binding, binding])
        : Object.entries(d1Databases).map(([binding, db]) => [binding, typeof db === "string" ? db : db.id]),
    ),
  );
}
