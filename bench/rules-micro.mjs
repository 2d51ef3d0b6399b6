// `node bench/rules-micro.mjs`: CPU per call of destinationFor (workers/api/src/redirect/
// destination.ts), the redirect's choice of Location and click `via`, for a plain link and for
// links with 20 targeting rules whose last one matches. A micro-benchmark on Node's V8 (workerd's
// engine), not part of `npm test` or `npm run bench`: it tells whether rules stay within a few µs of
// a redirect's CPU. The api's modules are bundled with esbuild as for a Worker, then loaded here.
import { build } from "esbuild";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";

const ROOT = path.resolve(import.meta.dirname, "..");
const ITERATIONS = 200_000;

/**
 * What this script calls of workers/api/src/redirect/destination.ts (typed here: its own types are
 * the Workers runtime's, which the Node side does not load).
 * @typedef {{ destinationFor: (link: object, request: Request, env: object) => { location: string } }} DestinationModule
 */

/** The api's destination module as one ES module Node can import. @returns {Promise<DestinationModule>} */
async function loadDestination() {
  const dir = mkdtempSync(path.join(tmpdir(), "rules-micro-"));
  const file = path.join(dir, "destination.mjs");
  const result = await build({
    entryPoints: [path.join(ROOT, "workers/api/src/redirect/destination.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "es2024",
    write: false,
    logLevel: "warning",
  });
  writeFileSync(file, result.outputFiles[0]?.text ?? "");
  try {
    return /** @type {DestinationModule} */ (await import(pathToFileURL(file).href));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
const COUNTRIES = ["FR", "ES", "IT", "NL", "BE", "PL", "SE", "NO", "DK", "FI", "PT", "IE", "GR", "CZ", "HU", "RO", "BG", "HR", "SK"];

/** The request as the runtime gives it: Node's Request has no `cf`, workerd's carries the visitor's country there. */
function withCountry(/** @type {Request} */ request, /** @type {string} */ country) {
  Object.defineProperty(request, "cf", { value: { country } });
  return request;
}

const base = {
  id: "lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC",
  teamId: "team_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC",
  slug: "launch",
  url: "https://example.com/home",
  expiresAt: null,
  deletedAt: null,
};
const cases = [
  { name: "plain link", link: base, request: new Request("https://sho.rt/launch", { headers: { "user-agent": IPHONE } }) },
  { name: "plain link, QR scan with a query", link: base, request: new Request("https://sho.rt/launch?qr=1&ref=flyer", { headers: { "user-agent": IPHONE } }) },
  {
    name: "20 rules, 19 by country, the last (by OS) matches",
    link: {
      ...base,
      rules: [
        ...COUNTRIES.map((c) => ({ when: { country: [c] }, url: `https://example.com/${c}` })),
        { when: { os: ["ios"] }, url: "https://apps.apple.com/app/id1" },
      ],
    },
    request: new Request("https://sho.rt/launch", { headers: { "user-agent": IPHONE } }),
  },
  {
    name: "20 rules by country, language, device and OS, the last matches",
    link: {
      ...base,
      rules: [
        ...COUNTRIES.map((c) => ({ when: { country: ["DE", c], language: ["de"], device: ["mobile"], os: ["android"] }, url: `https://example.com/${c}` })),
        { when: { country: ["DE"], language: ["de"], device: ["desktop"], os: ["windows"] }, url: "https://example.de/windows" },
      ],
    },
    request: withCountry(new Request("https://sho.rt/launch", { headers: { "user-agent": WINDOWS, "accept-language": "de-DE,de;q=0.9,en;q=0.8" } }), "DE"),
  },
];

/** Median µs a call of `call` over `iterations` calls, after a warm-up. @param {(i: number) => unknown} call @param {number} iterations */
function microsPerCall(call, iterations) {
  for (let i = 0; i < iterations / 4; i++) call(i);
  const runs = [];
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) call(i);
    runs.push(((performance.now() - start) * 1000) / iterations);
  }
  return runs.sort((a, b) => a - b)[2] ?? Number.NaN;
}

const { destinationFor } = await loadDestination();
const env = { TRUST_COUNTRY_HEADER: "false" };
console.log(`destinationFor, µs a call (median of 5 runs of ${ITERATIONS.toLocaleString("en-US")} calls after a warm-up):`);
console.log("The same request every time: the isolate's User-Agent cache answers (the common case: visitors share agents).");
for (const { name, link, request } of cases) {
  const us = microsPerCall(() => destinationFor(link, request, env), ITERATIONS);
  console.log(`  ${name}: ${us.toFixed(2)} µs → ${destinationFor(link, request, env).location}`);
}

// A User-Agent the isolate has not seen: each request's agent is new, so its rules parse it.
const MISSES = 20_000;
console.log(`A new User-Agent every call (${MISSES.toLocaleString("en-US")} distinct agents, each parsed: the cost of a cache miss):`);
for (const { name, link, request } of cases.slice(2)) {
  const fresh = Array.from({ length: MISSES * 2 }, (_, i) => {
    const headers = new Headers(request.headers);
    headers.set("user-agent", `${request.headers.get("user-agent")} n${i}`);
    const cf = /** @type {{ cf?: { country: string } }} */ (/** @type {unknown} */ (request)).cf;
    const copy = new Request(request.url, { headers });
    return cf ? withCountry(copy, cf.country) : copy;
  });
  let next = 0;
  const us = microsPerCall(() => destinationFor(link, /** @type {Request} */ (fresh[next++ % fresh.length]), env), MISSES);
  console.log(`  ${name}: ${us.toFixed(2)} µs`);
}
