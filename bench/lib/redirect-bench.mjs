// Part 1: the redirect hot path, GET /:slug over many links with random slugs, against a Worker
// on the same runtime that answers a constant 302.
import { describeLoad, medianRound, runLoad } from "./load.mjs";
import { inBackground, waitIdle } from "./proc-stats.mjs";

/**
 * @typedef {object} RedirectContext
 * @property {URL} stackUrl
 * @property {URL} floorUrl
 * @property {string[]} slugs
 * @property {number[]} pids every workerd of the stack (to wait until it is idle)
 * @property {number[]} backgroundPids the fan-out and consumers' workerd (split layout), else none
 * @property {import("./options.mjs").BenchOptions} options
 * @property {(line: string) => void} log
 */

/**
 * @param {RedirectContext} ctx
 */
export async function benchRedirect({ stackUrl, floorUrl, slugs, pids, backgroundPids, options, log }) {
  const { connections, seconds, rounds } = options;
  const random = { method: "GET", setupRequest: (/** @type {import("autocannon").Request} */ r) => ({ ...r, path: `/${slugs[Math.floor(Math.random() * slugs.length)]}` }) };
  // Warm-up: every slug once (a cold cache is a D1 read per slug), and the floor as long, so
  // both sides are JIT-compiled and measured in their steady state.
  let next = 0;
  const warm = await runLoad({ origin: stackUrl, connections, amount: slugs.length, request: { method: "GET", setupRequest: (r) => ({ ...r, path: `/${slugs[next++ % slugs.length]}` }) } });
  log(`  warm-up, every slug once: ${describeLoad(warm)}`);
  await runLoad({ origin: floorUrl, connections, seconds: Math.min(seconds, 5), request: { method: "GET", path: "/warm-up" } });
  log(`  click backlog of the warm-up drained in ${((await waitIdle(pids)) / 1000).toFixed(1)} s`);

  /** @type {import("./load.mjs").LoadResult[]} */
  const floorRounds = [];
  /** @type {import("./load.mjs").LoadResult[]} */
  const oursRounds = [];
  /** @type {number[]} */
  const drains = [];
  for (let round = 1; round <= rounds; round++) {
    const floor = await runLoad({ origin: floorUrl, connections, seconds, request: random });
    log(`  round ${round} floor: ${describeLoad(floor)}`);
    const ours = await inBackground(backgroundPids, () => runLoad({ origin: stackUrl, connections, seconds, request: random }));
    log(`  round ${round} ours:  ${describeLoad(ours)}`);
    const drained = await waitIdle(pids);
    drains.push(drained);
    log(`  its ${ours.responses} clicks drained through the pipeline in ${(drained / 1000).toFixed(1)} s`);
    floorRounds.push(floor);
    oursRounds.push(ours);
  }
  const ours = medianRound(oursRounds);
  const wrong = Object.entries(ours.statuses).filter(([code]) => code !== "302");
  if (wrong.length > 0 || ours.errors > 0) throw new Error(`redirects answered other than 302: ${JSON.stringify(ours.statuses)}, ${ours.errors} errors`);
  return { floor: medianRound(floorRounds), ours, clicks: ours.responses, drainMs: drains.reduce((a, b) => a + b, 0) };
}
