// The load generator: autocannon, driven through its programmatic API so each request can be
// made on the fly (a random slug, a fresh body). Latencies are taken from its per-response
// event (float milliseconds from hrtime) rather than its histogram, which rounds to whole
// milliseconds: the figures compared here are often below one.
import autocannon from "autocannon";

/**
 * @typedef {object} LoadResult
 * @property {number} responses responses received
 * @property {number} seconds wall time of the run
 * @property {number} rps responses per second
 * @property {number} p50 median latency, ms
 * @property {number} p99 99th percentile latency, ms
 * @property {Record<string, number>} statuses responses per status code
 * @property {number} errors connection errors and timeouts
 */

/**
 * The q-quantile (0..1) of ascending values, nearest rank.
 * @param {Float64Array | number[]} sorted
 * @param {number} q
 */
export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/**
 * @typedef {object} LoadOptions
 * @property {URL} origin
 * @property {number} connections
 * @property {number} [seconds] run for this long ...
 * @property {number} [amount] ... or until this many requests were sent
 * @property {number} [rate] at most this many requests a second, all connections together
 * @property {import("autocannon").Request} request the request, or its template with setupRequest
 */

/**
 * Runs autocannon once against `origin` (loopback only: this is a local benchmark).
 * @param {LoadOptions} options
 * @returns {Promise<LoadResult>}
 */
export function runLoad({ origin, connections, seconds, amount, rate, request }) {
  if (!["127.0.0.1", "localhost", "[::1]"].includes(origin.hostname)) throw new Error(`refusing to load ${origin.host}: loopback only`);
  /** @type {number[]} */
  const latencies = [];
  /** @type {Record<string, number>} */
  const statuses = {};
  const started = performance.now();
  let lastResponseAt = started;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: origin.origin,
        connections,
        ...(amount ? { amount } : { duration: seconds ?? 10 }),
        ...(rate ? { overallRate: rate } : {}),
        timeout: 30,
        requests: [request],
      },
      (error, result) => {
        if (error) return reject(error);
        // A run of `amount` requests ends on autocannon's next one-second tick, not at its last
        // response: its throughput is counted up to that response.
        const elapsed = ((amount && latencies.length > 0 ? lastResponseAt : performance.now()) - started) / 1000;
        const sorted = Float64Array.from(latencies).sort();
        resolve({
          responses: latencies.length,
          seconds: elapsed,
          rps: latencies.length / elapsed,
          p50: quantile(sorted, 0.5),
          p99: quantile(sorted, 0.99),
          statuses,
          errors: result.errors + result.timeouts,
        });
      },
    );
    instance.on("response", (/** @type {unknown} */ _client, /** @type {number} */ status, /** @type {number} */ _bytes, /** @type {number} */ ms) => {
      latencies.push(ms);
      lastResponseAt = performance.now();
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
  });
}

/** @param {LoadResult} r */
export function describeLoad(r) {
  const codes = Object.entries(r.statuses)
    .map(([code, n]) => `${code}×${n}`)
    .join(" ");
  return `${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms (${r.responses} responses in ${r.seconds.toFixed(1)} s; ${codes}${r.errors ? `; ${r.errors} errors` : ""})`;
}

/** @param {number[]} values */
export function median(values) {
  return quantile(Float64Array.from(values).sort(), 0.5);
}

/**
 * The median round of several, figure by figure (rounds taking turns with the floor's, so a
 * burst of load from elsewhere on the machine lands in one round, not in one side).
 * @param {LoadResult[]} rounds
 * @returns {LoadResult}
 */
export function medianRound(rounds) {
  /** @type {Record<string, number>} */
  const statuses = {};
  for (const r of rounds) for (const [code, n] of Object.entries(r.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  return {
    responses: rounds.reduce((sum, r) => sum + r.responses, 0),
    seconds: rounds.reduce((sum, r) => sum + r.seconds, 0),
    rps: median(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    statuses,
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
  };
}
