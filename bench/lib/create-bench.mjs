// Part 2: POST /v1/links at concurrency 1 and 16, against a Worker on the same runtime that does
// one D1 insert and one queue send (the seed's promise: a create answers after one database
// write and one publish, whatever the consumers are doing).
import { describeLoad, median, medianRound, runLoad } from "./load.mjs";
import { cpuMeter, inBackground, waitIdle } from "./proc-stats.mjs";

/**
 * @typedef {object} CreateContext
 * @property {URL} stackUrl
 * @property {URL} floorUrl
 * @property {import("./api.mjs").Team} team
 * @property {number[]} pids
 * @property {number[]} backgroundPids the fan-out and consumers' workerd (split layout), else none
 * @property {number[]} floorPids the floor's workerd
 * @property {import("./options.mjs").BenchOptions} options
 * @property {(line: string) => void} log
 * @property {import("./cpu-profile.mjs").Profiler} profile runs a measurement, profiling the api Worker when asked
 */

/**
 * A create request whose body differs each time, as clients' do.
 * @param {string} path
 * @param {Record<string, string>} headers
 * @param {string} tag
 * @returns {import("autocannon").Request}
 */
function createRequest(path, headers, tag) {
  let n = 0;
  return {
    method: "POST",
    path,
    headers: { ...headers, "content-type": "application/json" },
    setupRequest: (r) => ({ ...r, body: JSON.stringify({ url: `https://example.com/${tag}/${n++}`, title: "A link made by the benchmark" }) }),
  };
}

/**
 * @param {CreateContext} ctx
 * @param {number} connections
 * @param {number} total
 */
async function level({ stackUrl, floorUrl, team, pids, backgroundPids, floorPids, options, log, profile }, connections, total) {
  const amount = Math.max(connections, Math.ceil(total / options.rounds));
  /** @type {import("./load.mjs").LoadResult[]} */
  const floorRounds = [];
  /** @type {import("./load.mjs").LoadResult[]} */
  const oursRounds = [];
  // CPU time a create in the api's workerd (until its event has drained: the TeamFeed object it
  // hosts takes part) and in the floor's (whose consumer only acks), as for redirects.
  const frontPids = pids.filter((pid) => !backgroundPids.includes(pid));
  /** @type {{ floor: number, front: number }[]} */
  const cpu = [];
  for (let round = 1; round <= options.rounds; round++) {
    const floorCpu = await cpuMeter(floorPids);
    const floor = await runLoad({ origin: floorUrl, connections, amount, request: createRequest("/", {}, `floor-c${connections}-${round}`) });
    await waitIdle(floorPids, { quietMs: 1_500 });
    const floorUs = await floorCpu.microsEach(floor.responses);
    log(`  c=${connections} round ${round} floor: ${describeLoad(floor)}; ${floorUs.toFixed(0)} µs CPU a create`);
    const frontCpu = await cpuMeter(frontPids);
    const measure = () =>
      inBackground(backgroundPids, () =>
        runLoad({ origin: stackUrl, connections, amount, request: createRequest("/v1/links", team.auth, `create-c${connections}-${round}`) }),
      );
    const ours = round === 1 ? await profile(`create-c${connections}`, measure) : await measure();
    log(`  c=${connections} round ${round} ours:  ${describeLoad(ours)}`);
    const drained = await waitIdle(pids);
    const frontUs = await frontCpu.microsEach(ours.responses);
    cpu.push({ floor: floorUs, front: frontUs });
    log(
      `  its LinkCreated drained through the pipeline in ${(drained / 1000).toFixed(1)} s; ${frontUs.toFixed(0)} µs CPU a create in the ${backgroundPids.length > 0 ? "api's workerd" : "stack's workerd (the whole pipeline included)"}`,
    );
    floorRounds.push(floor);
    oursRounds.push(ours);
  }
  const ours = medianRound(oursRounds);
  const floor = medianRound(floorRounds);
  for (const [who, r] of /** @type {const} */ ([
    ["ours", ours],
    ["floor", floor],
  ])) {
    const wrong = Object.entries(r.statuses).filter(([code]) => code !== "201");
    if (wrong.length > 0 || r.errors > 0) throw new Error(`${who}: creates answered other than 201: ${JSON.stringify(r.statuses)}, ${r.errors} errors`);
  }
  return { floor, ours, cpuUs: { floor: median(cpu.map((c) => c.floor)), front: median(cpu.map((c) => c.front)) } };
}

/** @param {CreateContext} ctx */
export async function benchCreate(ctx) {
  // Warm-up of both sides (JIT, D1 statement caches), not measured.
  await runLoad({ origin: ctx.floorUrl, connections: 4, amount: 100, request: createRequest("/", {}, "floor-warm") });
  await runLoad({ origin: ctx.stackUrl, connections: 4, amount: 100, request: createRequest("/v1/links", ctx.team.auth, "create-warm") });
  await waitIdle(ctx.pids);
  return { c1: await level(ctx, 1, ctx.options.creates1), c16: await level(ctx, 16, ctx.options.creates16) };
}
