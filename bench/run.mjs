// npm run bench: the stack and the floor Workers as bench/lib/runtime.mjs boots them, on migrated
// D1 in a throwaway state directory; each figure is measured against its floor in the same run,
// and the report goes to BENCHMARKS.md. Options: bench/lib/options.mjs.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { LOCAL_VARS, ROOT, applyMigrations, ensureDevVars, freePort } from "../scripts/stack.mjs";
import { bulkCreate, createTeam } from "./lib/api.mjs";
import { benchClicks } from "./lib/clicks-bench.mjs";
import { benchCreate } from "./lib/create-bench.mjs";
import { profilerInto, unprofiled } from "./lib/cpu-profile.mjs";
import { benchFanout } from "./lib/fanout-bench.mjs";
import { USAGE, parseOptions } from "./lib/options.mjs";
import { waitIdle } from "./lib/proc-stats.mjs";
import { RULES_20, RULE_MATCHING_HEADERS, benchRedirect, benchWarmRedirect } from "./lib/redirect-bench.mjs";
import { printReport, writeReport } from "./lib/report.mjs";
import { API_WORKER, seedFloorKv, startFloorRuntime, startStackRuntime, workerProblems } from "./lib/runtime.mjs";

/** @returns {never} */
function usage() {
  console.log(USAGE);
  process.exit(0);
}
const options = parseOptions(process.argv.slice(2)) ?? usage();

/** @param {string} line */
const log = (line) => console.log(line);
const startedAt = new Date();
const loadBefore = os.loadavg();
log(`Linkflow bench (${options.quick ? "quick" : "full"} run) on ${os.cpus().length} cores; load average ${loadBefore.map((l) => l.toFixed(2)).join(" ")}`);
if (loadBefore[0] !== undefined && loadBefore[0] > os.cpus().length / 2) {
  log(`  note: the machine is busy (load ${loadBefore[0].toFixed(2)}); the figures are ratios to floors measured alongside, but absolute numbers will be low`);
}

// Throwaway state in memory when the machine has a tmpfs: the stack's nine SQLite files would
// otherwise queue behind one disk's fsyncs (on Cloudflare each database has its own), and the
// disk is shared with whatever else runs. The floor's database lives there too.
const state = await mkdtemp(path.join(existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir(), "linkflow-bench-"));
const adminToken = ensureDevVars()["ADMIN_TOKEN"];
if (!adminToken) throw new Error("ensureDevVars() gave no ADMIN_TOKEN");
await applyMigrations({ persistTo: state, echo: false });
const floor = await startFloorRuntime({ persistTo: path.join(state, "floor") });

/**
 * The stack's vars in the bench: the local ones, and a short page fetch for the preview consumer.
 * The bench's destinations (https://example.com/...) are never meant to be fetched, and a machine
 * without a route to them (a sandbox, CI) has each preview wait out its 5 s timeout: ten thousand
 * links then keep the pipeline busy for most of an hour, and every "wait until idle" with it. No
 * measured path fetches pages; the preview consumer still handles every event.
 */
const BENCH_VARS = { ...LOCAL_VARS, PREVIEW_FETCH_TIMEOUT_MS: "200" };

/** @typedef {Awaited<ReturnType<typeof startStackRuntime>> & { layout: "split" | "single", profile: import("./lib/cpu-profile.mjs").Profiler }} Stack */
/** @type {{ stack: Stack | null }} */
const running = { stack: null };
/** @param {"split" | "single"} layout */
async function boot(layout) {
  if (running.stack?.layout === layout) return running.stack;
  // One stack at a time, on the same state: what the last one wrote (links, stats) carries over.
  await running.stack?.stop();
  running.stack = null;
  const inspectorPort = options.profile ? await freePort() : undefined;
  const runtime = await startStackRuntime({ persistTo: state, bindings: BENCH_VARS, split: layout === "split", inspectorPort });
  const apiName = API_WORKER;
  let profile = unprofiled;
  if (options.profile && inspectorPort) {
    const dir = path.resolve(ROOT, options.profile, layout);
    await mkdir(dir, { recursive: true });
    profile = profilerInto({ inspectorPort, workerName: apiName, dir, log });
  }
  /** @type {Stack} */
  const started = { ...runtime, layout, profile };
  running.stack = started;
  log(`stack (${layout}): ${started.workerNames.join(", ")} in workerd ${started.pids.join(", ")}; floor in workerd ${floor.pids.join(", ")}`);
  return started;
}

/**
 * Waits until the redirects projection has written every link's record into the read model (KV
 * REDIRECTS), copying each into the floor's KV as it goes: the cold-path floor then reads the same
 * keys and values. Measuring before that would send the missing slugs to the D1 primary.
 * @param {Stack} s
 * @param {string[]} slugs
 */
async function readModelComplete(s, slugs) {
  const started = performance.now();
  let missing = slugs.map((slug) => `slug:${slug}`); // contracts/redirects/redirect-record.ts redirectKey
  for (;;) {
    missing = await seedFloorKv(s, floor, { binding: "REDIRECTS", worker: API_WORKER }, missing);
    if (missing.length === 0 || performance.now() - started > 120_000) break;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  const waitedMs = performance.now() - started;
  log(
    `  read model: ${slugs.length - missing.length} of ${slugs.length} records written by the projection (checked and copied to the floor's KV in ${(waitedMs / 1000).toFixed(1)} s)`,
  );
  return { links: slugs.length, records: slugs.length - missing.length };
}

/**
 * The rules' figure measures what it says only if its requests reach the last rule: one is checked.
 * @param {URL} base @param {string[]} ruledSlugs
 */
async function expectLastRule(base, ruledSlugs) {
  const res = await fetch(new URL(`/${ruledSlugs[0] ?? ""}`, base), { headers: RULE_MATCHING_HEADERS, redirect: "manual" });
  await res.arrayBuffer();
  const expected = RULES_20.at(-1)?.url;
  if (res.headers.get("location") !== expected)
    throw new Error(`a ruled link sent ${res.status} ${res.headers.get("location")}, not the last rule's ${expected}`);
}

/** @type {import("./lib/report.mjs").Results} */
const results = {
  options,
  startedAt,
  loadBefore,
  loadAfter: loadBefore,
  cores: os.cpus().length,
  workers: [],
  stateOn: state.startsWith("/dev/shm") ? "tmpfs (/dev/shm)" : "disk",
  redirect: {},
  redirectRules: {},
};
try {
  if (options.parts.has("redirect")) {
    log(
      `\n1. Redirect: GET /:slug over ${options.links} links, random slugs, ${options.connections} connections, ${options.rounds} × ${options.seconds} s per side`,
    );
    /** @type {string[]} */
    let slugs = [];
    /** @type {string[]} the same number of links, each with 20 targeting rules (redirect-bench.mjs RULES_20) */
    let ruledSlugs = [];
    for (const layout of options.layouts) {
      const s = await boot(layout);
      if (slugs.length === 0) {
        const team = await createTeam(s.url, adminToken, "bench redirect");
        slugs = (await bulkCreate(s.url, team, options.links, "redirect")).map((l) => l.slug);
        ruledSlugs = (await bulkCreate(s.url, team, options.links, "redirect-rules", { rules: RULES_20 }, 20)).map((l) => l.slug);
        log(
          `  ${slugs.length} links and ${ruledSlugs.length} with 20 rules created; their events drained in ${((await waitIdle(s.pids)) / 1000).toFixed(1)} s`,
        );
        results.readModel = await readModelComplete(s, [...slugs, ...ruledSlugs]);
      }
      const context = {
        stackUrl: s.url,
        floorUrl: floor.url,
        pids: s.pids,
        backgroundPids: s.pipelinePids,
        floorPids: floor.pids,
        options,
        log,
        profile: s.profile,
      };
      log(` layout ${layout}:`);
      results.redirect[layout] = await benchRedirect({ ...context, slugs });
      log(` layout ${layout}, links with 20 targeting rules, every request matching the last:`);
      await expectLastRule(s.url, ruledSlugs);
      results.redirectRules[layout] = await benchWarmRedirect({ ...context, slugs: ruledSlugs, headers: RULE_MATCHING_HEADERS, label: "redirect-rules" });
    }
  }
  if (options.parts.has("create")) {
    const s = await boot(options.createLayout);
    log(`\n2. Create: POST /v1/links, ${options.creates1} at concurrency 1 and ${options.creates16} at 16, ${options.rounds} round(s) per side`);
    const team = await createTeam(s.url, adminToken, "bench create");
    results.create = await benchCreate({
      stackUrl: s.url,
      floorUrl: floor.url,
      team,
      pids: s.pids,
      backgroundPids: s.pipelinePids,
      floorPids: floor.pids,
      options,
      log,
      profile: s.profile,
    });
  }
  if (options.parts.has("fanout")) {
    const s = await boot(options.createLayout);
    log(`\n3. Fan-out: ${options.fanout} links one by one, then a burst of ${options.burst}`);
    results.fanout = await benchFanout({ stack: s, adminToken, options, log });
  }
  if (options.parts.has("clicks")) {
    const s = await boot("single");
    log(
      `\n4. Clicks: ${options.clicks.toLocaleString("en-US")} at ${options.clickRate}/s over ${options.clickLinks} links (browsers, 10% bots, 3% HEAD), as npm run dev runs the stack`,
    );
    results.clicks = await benchClicks({ stack: s, state, adminToken, options: { ...options, connections: 16 }, log });
  }
} finally {
  results.loadAfter = os.loadavg();
  results.workers = running.stack?.workerNames ?? [];
  await running.stack?.stop();
  await floor.stop();
  await rm(state, { recursive: true, force: true });
}

const problems = workerProblems();
if (problems.length > 0) log(`\nThe Workers logged ${problems.length} warning(s)/error(s); the last ones:\n${problems.slice(-10).join("\n")}`);
printReport(results, log);
if (options.out) {
  const file = path.resolve(ROOT, options.out);
  await writeReport(results, file);
  log(`\nwritten to ${path.relative(ROOT, file)}`);
}
