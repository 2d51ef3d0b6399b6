// Boots Workers on workerd through the Miniflare API: no `wrangler dev` and no proxy in front,
// so what is measured is the runtime and the Workers' own code. Each Worker's options come from
// its wrangler config (scripts/lib/worker-options.mjs), its code from the same esbuild bundling
// the tests use.
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { unstable_readConfig, unstable_splitSqlQuery } from "wrangler";
import { ensureDocsAssets } from "../../scripts/lib/docs-assets.mjs";
import { limitsMultiplier } from "../../scripts/lib/rate-limits.mjs";
import { WORKER_BUNDLE_OPTIONS } from "../../scripts/lib/worker-bundle.mjs";
import { workerOptionsFromConfig } from "../../scripts/lib/worker-options.mjs";
import { API_CONFIG, ROOT, WORKERS } from "../../scripts/stack.mjs";

/** @typedef {import("miniflare").V4WorkerOptions} WorkerOptions */

/**
 * @typedef {object} Runtime
 * @property {Miniflare} mf
 * @property {URL} url the primary Worker's origin (workerd's own socket)
 * @property {number[]} pids the workerd processes this runtime started
 * @property {() => Promise<void>} stop
 */

// The Workers log a JSON line per event handled; printed, they would bury the bench's output
// (and cost the terminal more than the Workers). Warnings and errors are kept for the report.
const KEPT_LOGS = 200;
/** @type {string[]} */
const problems = [];

/**
 * The redirect path's slug lookups by source, summed over every "clicks sent" line the Workers
 * logged (each carries, and restarts, its isolate's counts since its previous line:
 * workers/api/src/redirect/redirect-cache.ts LookupCounts). Production telemetry, no test endpoint.
 * @typedef {{ cache: number, kv: number, primary: number, refused: number }} Lookups
 */
/** @type {Lookups} */
const lookups = { cache: 0, kv: 0, primary: 0, refused: 0 };

/** @param {string} message one line a Worker logged */
function countLookups(message) {
  if (!message.startsWith("{") || !message.includes('"clicks sent"')) return;
  /** @type {{ msg?: unknown, lookups?: Partial<Record<keyof Lookups, unknown>> }} */
  let line;
  try {
    line = JSON.parse(message);
  } catch {
    return;
  }
  if (line.msg !== "clicks sent" || !line.lookups) return;
  for (const key of /** @type {(keyof Lookups)[]} */ (["cache", "kv", "primary", "refused"])) {
    const n = line.lookups[key];
    if (typeof n === "number") lookups[key] += n;
  }
}

/** The lookups logged so far, every runtime together (take two and subtract for a phase). */
export function loggedLookups() {
  return { ...lookups };
}

/** @param {{ level: string, message: string }} entry */
function keepProblem(entry) {
  countLookups(entry.message);
  if (entry.level !== "warn" && entry.level !== "error") return;
  problems.push(`${entry.level}: ${entry.message}`);
  if (problems.length > KEPT_LOGS) problems.shift();
}

/** The last warnings and errors the Workers logged. */
export function workerProblems() {
  return [...problems];
}

/**
 * @param {string} entry absolute path of the Worker's main module
 * @param {Record<string, string>} define
 * @returns {Promise<string>} one ES module
 */
async function bundle(entry, define) {
  const out = await build({ ...WORKER_BUNDLE_OPTIONS, entryPoints: [entry], write: false, define });
  const file = out.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.text;
}

/**
 * Miniflare options of one Worker of the stack, read from its wrangler config.
 * @param {string} config wrangler config relative to the repo root
 * @param {Record<string, string>} extraBindings vars layered over the config's (e.g. a bench-only switch)
 * @param {boolean} assetsRouter keep the config's [assets]: locally Miniflare then puts its asset
 *   router Worker in front of this one for every request (on Cloudflare, run_worker_first routing
 *   happens before any Worker runs)
 * @returns {Promise<WorkerOptions>}
 */
async function stackWorker(config, extraBindings, assetsRouter) {
  const { name, main, define, options: fromConfig } = workerOptionsFromConfig(config, { limitsFactor: limitsMultiplier(extraBindings) });
  const { assets, ...options } = fromConfig;
  return {
    ...(assetsRouter && assets ? { assets } : {}),
    ...options,
    name,
    bindings: { ...options.bindings, ...extraBindings },
    modules: [{ type: "ESModule", path: bundlePath(main, options.rootPath), contents: await bundle(main, define) }],
  };
}

/**
 * Where the bundle's one module is said to live: beside the main module, unless that is outside
 * the Worker's root (its config's folder), which workerd refuses ("can't use .. to break out"):
 * the edge Worker's config is workers/api/edge/, its main ../src/edge.ts. Then in the root.
 * @param {string} main absolute path of the Worker's main module
 * @param {string | undefined} rootPath
 */
function bundlePath(main, rootPath) {
  const beside = path.join(path.dirname(main), "bench-bundle.mjs");
  return rootPath && path.relative(rootPath, beside).startsWith("..") ? path.join(rootPath, "bench-bundle.mjs") : beside;
}

/** The workerd processes that are children of this Node process right now. */
async function workerdChildren() {
  /** @type {number[]} */
  const pids = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // Fields after the parenthesised command name: state, ppid, ...
    const match = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
    if (match && match[1] === "workerd" && Number(match[2]) === process.pid) pids.push(Number(entry));
  }
  return pids;
}

/**
 * @typedef {object} StartOptions
 * @property {string} persistRoot Miniflare's resource root (`<persist-to>/v3`, as wrangler lays it out)
 * @property {string} [registry] a dev registry directory of our own, through which Workers in
 *   different workerd processes reach each other (service bindings, queues, Durable Objects)
 * @property {number} [inspectorPort] open workerd's devtools inspector there (CPU profiles)
 */

/**
 * @param {WorkerOptions[]} workers
 * @param {StartOptions & { direct?: string }} options `direct`: the Worker that answers on the
 *   returned url (by name; the first one when not given)
 * @returns {Promise<Runtime>}
 */
async function start(workers, { persistRoot, registry, inspectorPort, direct = String(workers[0]?.name) }) {
  if (!workers.some((w) => w.name === direct)) throw new Error(`no Worker ${direct} to start`);
  // Requests reach that Worker on a socket of its own: Miniflare's shared entry Worker
  // (its `ready` URL) costs more CPU per request than a constant-302 Worker does (about 2,000
  // against 5,000 requests/s on 2 cores), which would hide every difference measured here.
  const withSocket = workers.map((w) => (w.name === direct ? { ...w, unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] } : w));
  const before = new Set(await workerdChildren());
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: withSocket,
      resourcePersistencePath: persistRoot,
      host: "127.0.0.1",
      port: 0,
      logRequests: false,
      handleStructuredLogs: keepProblem,
      inspectorPort,
      // Only a registry of our own: never the global one, where a developer's `npm run dev` lives.
      ...(registry ? { unsafeDevRegistryPath: registry } : {}),
    }),
  );
  await mf.ready;
  const url = await mf.unsafeGetDirectURL(direct);
  const pids = (await workerdChildren()).filter((pid) => !before.has(pid));
  return { mf, url, pids, stop: () => mf.dispose() };
}

/**
 * The api Worker, found by name (not by its place in WORKERS): its REDIRECTS binding seeds the
 * floor's KV and profiles follow it. Requests go to the stack's primary, the edge, as in production.
 */
export const API_WORKER = "linkflow-api";

/**
 * Every Worker of scripts/stack.mjs, sharing local D1, Queues, R2 and Durable Objects, with state
 * under `persistTo` (where `wrangler d1 migrations apply --persist-to` wrote). One workerd runs
 * them all, or with `split` two: the edge and api Workers in one, the fan-out and consumers in the other,
 * joined by a private dev registry (on Cloudflare they never share a thread either).
 * @param {{ persistTo: string, bindings?: Record<string, string>, assetsRouter?: boolean, split?: boolean, inspectorPort?: number }} options
 */
export async function startStackRuntime({ persistTo, bindings = {}, assetsRouter = false, split = false, inspectorPort }) {
  ensureDocsAssets();
  const workers = [];
  for (const w of WORKERS) workers.push(await stackWorker(w.config, bindings, assetsRouter));
  const persistRoot = path.join(persistTo, "v3");
  const names = workers.map((w) => String(w.name));
  if (!split) return { ...(await start(workers, { persistRoot, inspectorPort })), workerNames: names, pipelinePids: [] };
  // The front (the edge, primary, and the api it passes API calls to) in one workerd, the rest in the other.
  const apiAt = WORKERS.findIndex((w) => w.config === API_CONFIG);
  if (apiAt === -1) throw new Error("scripts/stack.mjs lists no api Worker");
  const [fronts, pipeline] = [workers.slice(0, apiAt + 1), workers.slice(apiAt + 1)];
  const registry = path.join(persistTo, "registry");
  const rest = await start(pipeline, { persistRoot, registry });
  try {
    const front = await start(fronts, { persistRoot, registry, inspectorPort });
    return {
      ...front,
      pids: [...front.pids, ...rest.pids],
      pipelinePids: rest.pids,
      workerNames: names,
      stop: async () => {
        await front.stop();
        await rest.stop();
      },
    };
  } catch (error) {
    await rest.stop();
    throw error;
  }
}

const FLOOR_DIR = path.join(ROOT, "bench/floor");

/**
 * The floor Worker (bench/floor/floor-worker.ts) alone in its own workerd, with its own D1 and
 * queue, and its table made from its migration through Miniflare's D1 API.
 * @param {{ persistTo: string }} options
 */
export async function startFloorRuntime({ persistTo }) {
  const compatibilityDate = String(unstable_readConfig({ config: path.join(ROOT, "wrangler.toml") }).compatibility_date);
  /** @type {WorkerOptions} */
  const floor = {
    name: "bench-floor",
    compatibilityDate,
    modules: [{ type: "ESModule", path: path.join(FLOOR_DIR, "floor-worker.mjs"), contents: await bundle(path.join(FLOOR_DIR, "floor-worker.ts"), {}) }],
    d1Databases: { FLOOR_DB: "bench-floor-db" },
    // The cold-redirect floor's one KV read (seeded by seedFloorKv with the stack's own records).
    kvNamespaces: { FLOOR_KV: "bench-floor-kv" },
    queueProducers: { FLOOR_EVENTS: { queueName: "bench-floor-events" } },
    // Batching as the fan-out consumes link-events (wrangler.toml of workers/fanout).
    queueConsumers: { "bench-floor-events": { maxBatchSize: 100, maxBatchTimeout: 1 } },
  };
  const runtime = await start([floor], { persistRoot: path.join(persistTo, "v3") });
  const db = await runtime.mf.getD1Database("FLOOR_DB");
  for (const file of (await readdir(path.join(FLOOR_DIR, "migrations"))).sort()) {
    // Split as `wrangler d1 execute` splits a file (comments and statement boundaries).
    const statements = unstable_splitSqlQuery(await readFile(path.join(FLOOR_DIR, "migrations", file), "utf8"));
    await db.batch(statements.map((sql) => db.prepare(sql)));
  }
  return runtime;
}

/**
 * Copies each key's value from a KV namespace of the stack (`from`: binding name and Worker) into
 * the floor's FLOOR_KV, so the floor reads the same keys and values as the redirect path does.
 * @param {Runtime} stack
 * @param {Runtime} floor
 * @param {{ binding: string, worker: string }} from
 * @param {string[]} keys
 * @returns {Promise<string[]>} the keys the stack's namespace does not have (none were copied for them)
 */
export async function seedFloorKv(stack, floor, from, keys) {
  const source = await stack.mf.getKVNamespace(from.binding, from.worker);
  const target = await floor.mf.getKVNamespace("FLOOR_KV");
  /** @type {string[]} */
  const missing = [];
  const CONCURRENCY = 32;
  for (let i = 0; i < keys.length; i += CONCURRENCY) {
    await Promise.all(
      keys.slice(i, i + CONCURRENCY).map(async (key) => {
        const value = await source.get(key, "text");
        if (value === null) missing.push(key);
        else await target.put(key, value);
      }),
    );
  }
  return missing;
}
