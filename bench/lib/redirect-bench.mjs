// Part 1: the redirect hot path, GET /:slug over many links with random slugs, against a Worker
// on the same runtime that answers a constant 302; then the cold path (each slug's first request
// in the isolate: one KV read) against a Worker that makes one KV read and answers 302. The slug
// lookups the api logged (its "clicks sent" lines) tell how many went to the D1 primary.
import { describeLoad, median, medianRound, runLoad } from "./load.mjs";
import { cpuMeter, inBackground, waitIdle } from "./proc-stats.mjs";
import { loggedLookups } from "./runtime.mjs";

/** @typedef {import("./runtime.mjs").Lookups} Lookups */

/** workers/api/src/redirect/redirect-cache.ts ENTRY_TTL_MS: how long the isolate keeps a link. */
const ENTRY_TTL_MS = 10_000;
/** contracts/redirects/redirect-record.ts redirectKey: a slug's key in the read model (and the floor's KV). */
const kvKey = (/** @type {string} */ slug) => `slug:${slug}`;

/** Lookups logged from now until `done()` is called (after the phase's clicks have drained, so their lines are in). */
function lookupsSince() {
  const start = loggedLookups();
  return () => {
    const now = loggedLookups();
    return { cache: now.cache - start.cache, kv: now.kv - start.kv, primary: now.primary - start.primary, refused: now.refused - start.refused };
  };
}

/** @param {Lookups[]} all */
function sumLookups(all) {
  return all.reduce((a, b) => ({ cache: a.cache + b.cache, kv: a.kv + b.kv, primary: a.primary + b.primary, refused: a.refused + b.refused }), {
    cache: 0,
    kv: 0,
    primary: 0,
    refused: 0,
  });
}

/** @param {Lookups} l */
const describeLookups = (l) => `lookups: cache ${l.cache}, KV ${l.kv}, primary ${l.primary}, refused ${l.refused}`;

/** A fresh random order of `items` (Fisher–Yates). @template T @param {T[]} items */
function shuffled(items) {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [/** @type {T} */ (out[j]), /** @type {T} */ (out[i])];
  }
  return out;
}

/** A request template that walks `paths` once, in order (use with `amount: paths.length`). @param {string[]} paths */
function onceEach(paths) {
  let next = 0;
  return { method: "GET", setupRequest: (/** @type {import("autocannon").Request} */ r) => ({ ...r, path: paths[next++ % paths.length] }) };
}

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @typedef {object} RedirectContext
 * @property {URL} stackUrl
 * @property {URL} floorUrl
 * @property {string[]} slugs
 * @property {number[]} pids every workerd of the stack (to wait until it is idle)
 * @property {number[]} backgroundPids the fan-out and consumers' workerd (split layout), else none
 * @property {number[]} floorPids the floor's workerd
 * @property {import("./options.mjs").BenchOptions} options
 * @property {(line: string) => void} log
 * @property {import("./cpu-profile.mjs").Profiler} profile runs a measurement, profiling the api Worker when asked
 */

/**
 * The second redirect figure (issue 16): every link has 20 targeting rules and every request
 * matches only the last, so each redirect tests all 20 (19 fail on their country) and reads the
 * request's country, language, OS and device. The bench stack has LOCAL_VARS, so the
 * `cf-ipcountry` header sets the country (TRUST_COUNTRY_HEADER); the agent is a desktop one, the
 * costliest for ua-parser-js (its parse is cached per isolate after the first request).
 */
export const RULES_20 = [
  ..."FR ES IT NL BE PL SE NO DK FI PT IE GR CZ HU RO BG HR SK".split(" ").map((country) => ({
    when: { country: [country], language: ["de"] },
    url: `https://example.com/rule/${country.toLowerCase()}`,
  })),
  { when: { country: ["DE"], language: ["de"], os: ["linux"], device: ["desktop"] }, url: "https://example.de/rule/last" },
];
export const RULE_MATCHING_HEADERS = {
  "cf-ipcountry": "DE",
  "accept-language": "de-DE,de;q=0.9,en;q=0.8",
  "user-agent": "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
};

/**
 * The warm isolate cache (the rounds below), then the cold one.
 * @param {RedirectContext} ctx
 */
export async function benchRedirect(ctx) {
  const warm = await benchWarmRedirect(ctx);
  const cold = await benchColdRedirect(ctx);
  return { ...warm, cold };
}

/**
 * Rounds of random slugs, floor and ours taking turns, every link cached in the isolate after the
 * warm-up; `headers` go with every request of both sides; `label` names the first round's profile.
 * @param {RedirectContext & { headers?: Record<string, string>, label?: string }} ctx
 */
export async function benchWarmRedirect({
  stackUrl,
  floorUrl,
  slugs,
  pids,
  backgroundPids,
  floorPids,
  options,
  log,
  profile,
  headers = {},
  label = "redirect",
}) {
  const { connections, seconds, rounds } = options;
  const random = {
    method: "GET",
    headers,
    setupRequest: (/** @type {import("autocannon").Request} */ r) => ({ ...r, path: `/${slugs[Math.floor(Math.random() * slugs.length)]}` }),
  };
  // Warm-up: every slug once (a cold cache is a KV read per slug), and the floor as long, so
  // both sides are JIT-compiled and measured in their steady state.
  const warmUpLookups = lookupsSince();
  const warm = await runLoad({ origin: stackUrl, connections, amount: slugs.length, request: { ...onceEach(slugs.map((slug) => `/${slug}`)), headers } });
  log(`  warm-up, every slug once: ${describeLoad(warm)}`);
  await runLoad({ origin: floorUrl, connections, seconds: Math.min(seconds, 5), request: { method: "GET", path: "/warm-up" } });
  log(`  click backlog of the warm-up drained in ${((await waitIdle(pids)) / 1000).toFixed(1)} s`);
  const warmUp = warmUpLookups();
  log(`  warm-up ${describeLookups(warmUp)}`);

  /** @type {import("./load.mjs").LoadResult[]} */
  const floorRounds = [];
  /** @type {import("./load.mjs").LoadResult[]} */
  const oursRounds = [];
  /** @type {number[]} */
  const drains = [];
  // CPU time per redirect, from the kernel's accounting of each workerd: what a redirect costs
  // whatever else competes for the cores. The api's process is counted until its clicks have
  // drained (its share of their journey: the send and, locally, the queue broker and TeamFeed
  // object it hosts); the pipeline's process apart.
  const frontPids = pids.filter((pid) => !backgroundPids.includes(pid));
  /** @type {{ floor: number, front: number, pipeline: number }[]} */
  const cpu = [];
  /** @type {Lookups[]} */
  const warmLookups = [];
  for (let round = 1; round <= rounds; round++) {
    const floorCpu = await cpuMeter(floorPids);
    const floor = await runLoad({ origin: floorUrl, connections, seconds, request: random });
    const floorUs = await floorCpu.microsEach(floor.responses);
    log(`  round ${round} floor: ${describeLoad(floor)}; ${floorUs.toFixed(0)} µs CPU a redirect`);
    const [frontCpu, pipelineCpu] = [await cpuMeter(frontPids), await cpuMeter(backgroundPids)];
    const roundLookups = lookupsSince();
    const measure = () => inBackground(backgroundPids, () => runLoad({ origin: stackUrl, connections, seconds, request: random }));
    const ours = round === 1 ? await profile(label, measure) : await measure();
    log(`  round ${round} ours:  ${describeLoad(ours)}`);
    const drained = await waitIdle(pids);
    drains.push(drained);
    warmLookups.push(roundLookups());
    const frontUs = await frontCpu.microsEach(ours.responses);
    const pipelineUs = await pipelineCpu.microsEach(ours.responses);
    cpu.push({ floor: floorUs, front: frontUs, pipeline: pipelineUs });
    log(
      `  its ${ours.responses} clicks drained through the pipeline in ${(drained / 1000).toFixed(1)} s; ${frontUs.toFixed(0)} µs CPU a redirect in the edge and api's workerd${backgroundPids.length > 0 ? `, ${pipelineUs.toFixed(0)} µs in the pipeline's` : ""}; ${describeLookups(warmLookups.at(-1) ?? sumLookups([]))}`,
    );
    floorRounds.push(floor);
    oursRounds.push(ours);
  }
  const ours = medianRound(oursRounds);
  allRedirected(ours);
  const cpuMedian = (/** @type {"floor" | "front" | "pipeline"} */ k) => median(cpu.map((c) => c[k]));
  return {
    floor: medianRound(floorRounds),
    ours,
    clicks: ours.responses,
    drainMs: drains.reduce((a, b) => a + b, 0),
    cpuUs: { floor: cpuMedian("floor"), front: cpuMedian("front"), pipeline: cpuMedian("pipeline") },
    lookups: { warmUp, warmUpRequests: warm.responses, rounds: sumLookups(warmLookups) },
  };
}

/** @param {import("./load.mjs").LoadResult} r */
function allRedirected(r) {
  const wrong = Object.entries(r.statuses).filter(([code]) => code !== "302");
  if (wrong.length > 0 || r.errors > 0) throw new Error(`redirects answered other than 302: ${JSON.stringify(r.statuses)}, ${r.errors} errors`);
}

/**
 * The cold path: every request a slug the api's isolate has not cached, so each is one KV read of
 * the read model (then the 302 and its click). A round is one pass over every slug, once each, in a
 * fresh random order, started more than ENTRY_TTL_MS after the previous request to the stack: every
 * entry of the isolate's cache has expired, and the lookups logged say so (cache 0, KV = requests).
 * The floor's round is one pass over the same keys, each one KV read (same values, copied from the
 * read model) and the constant 302. Rounds take turns as in the warm part; the median is reported.
 * @param {RedirectContext} ctx
 */
async function benchColdRedirect({ stackUrl, floorUrl, slugs, pids, backgroundPids, floorPids, options, log }) {
  const { connections, rounds } = options;
  const frontPids = pids.filter((pid) => !backgroundPids.includes(pid));
  log(`  cold isolate cache: ${rounds} round(s) of every slug once per side (ours: a KV read each; floor: one KV read and a 302)`);
  const floorPaths = () => shuffled(slugs).map((slug) => `/kv/${encodeURIComponent(kvKey(slug))}`);
  // The floor's KV path has not run yet: one pass first, as the warm-up did for ours.
  const floorWarm = await runLoad({ origin: floorUrl, connections, amount: slugs.length, request: onceEach(floorPaths()) });
  allRedirected(floorWarm);
  /** @type {import("./load.mjs").LoadResult[]} */
  const floorRounds = [];
  /** @type {import("./load.mjs").LoadResult[]} */
  const oursRounds = [];
  /** @type {{ floor: number, front: number }[]} */
  const cpu = [];
  /** @type {Lookups[]} */
  const lookups = [];
  for (let round = 1; round <= rounds; round++) {
    const floorCpu = await cpuMeter(floorPids);
    const floor = await runLoad({ origin: floorUrl, connections, amount: slugs.length, request: onceEach(floorPaths()) });
    const floorUs = await floorCpu.microsEach(floor.responses);
    allRedirected(floor);
    log(`  cold round ${round} floor: ${describeLoad(floor)}; ${floorUs.toFixed(0)} µs CPU a redirect`);
    // The last request to the stack was before the previous waitIdle (at least its quiet 6 s ago):
    // wait out the rest of ENTRY_TTL_MS from the end of the floor's round on, with a margin.
    await sleep(ENTRY_TTL_MS + 1_000 - Math.min(floor.seconds * 1000, ENTRY_TTL_MS));
    const frontCpu = await cpuMeter(frontPids);
    const roundLookups = lookupsSince();
    const paths = shuffled(slugs).map((slug) => `/${slug}`);
    const ours = await inBackground(backgroundPids, () => runLoad({ origin: stackUrl, connections, amount: paths.length, request: onceEach(paths) }));
    const drained = await waitIdle(pids);
    const frontUs = await frontCpu.microsEach(ours.responses);
    allRedirected(ours);
    const seen = roundLookups();
    lookups.push(seen);
    log(
      `  cold round ${round} ours:  ${describeLoad(ours)}; drained in ${(drained / 1000).toFixed(1)} s; ${frontUs.toFixed(0)} µs CPU a redirect in the api's workerd; ${describeLookups(seen)}`,
    );
    floorRounds.push(floor);
    oursRounds.push(ours);
    cpu.push({ floor: floorUs, front: frontUs });
  }
  return {
    floor: medianRound(floorRounds),
    ours: medianRound(oursRounds),
    cpuUs: { floor: median(cpu.map((c) => c.floor)), front: median(cpu.map((c) => c.front)) },
    lookups: sumLookups(lookups),
  };
}
