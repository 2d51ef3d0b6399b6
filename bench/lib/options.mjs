// `npm run bench -- [options]`: the full run by default (sized for 2 cores, about ten minutes),
// smaller runs for development.
import { parseArgs } from "node:util";

export const USAGE = `npm run bench -- [options]
  --quick             a small run (1,000 links, 3 s rounds, 50 + 300 fan-out links); does not write BENCHMARKS.md
  --links N           links behind the redirect benchmark (default 10000)
  --seconds S         length of each measured redirect round (default 10)
  --rounds R          rounds per side, floor and ours taking turns; the median is reported (default 3)
  --connections C     connections of the redirect benchmark (default 32)
  --creates N         creates per concurrency level, 1 and 16 (default 400 and 2000)
  --fanout N          links of the fan-out latency run (default 200)
  --burst N           links of the burst (default 2000)
  --clicks N          clicks of the clicks part, at --click-rate a second over 100 links
                      (default 100000; quick 5000)
  --click-rate R      clicks a second in the clicks part (default 1000)
  --only LIST         comma-separated parts: redirect,create,fanout,clicks (default all)
  --layouts LIST      how the redirect benchmark runs the stack (default split,single):
                      split: the api Worker in one workerd, the fan-out and consumers in another
                      at low CPU priority while redirects are measured; single: every Worker in
                      one workerd
  --create-layout L   how creates and the fan-out part run the stack: single (default) or split
  --out FILE          where the results go (default BENCHMARKS.md; --no-write to only print them)
  --no-write          print the results, write no file
  --profile DIR       also take V8 CPU profiles of the api Worker while it is measured (first
                      round of redirects, creates at concurrency 16) into DIR as .cpuprofile
                      files, and print the functions with the most self time`;

/**
 * @typedef {object} BenchOptions
 * @property {number} links
 * @property {number} seconds
 * @property {number} rounds
 * @property {number} connections
 * @property {number} creates1
 * @property {number} creates16
 * @property {number} fanout
 * @property {number} burst
 * @property {number} clicks
 * @property {number} clickRate
 * @property {number} clickLinks
 * @property {Set<"redirect" | "create" | "fanout" | "clicks">} parts
 * @property {("split" | "single")[]} layouts
 * @property {"split" | "single"} createLayout
 * @property {string | null} out
 * @property {boolean} quick
 * @property {string | null} profile directory for CPU profiles, or null
 */

/** @param {string | undefined} value @param {number} fallback @param {string} name */
function positive(value, fallback, name) {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} wants a positive whole number, not ${value}`);
  return n;
}

/**
 * @param {string[]} argv
 * @returns {BenchOptions | null} null when --help was asked for
 */
export function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      links: { type: "string" },
      seconds: { type: "string" },
      rounds: { type: "string" },
      connections: { type: "string" },
      creates: { type: "string" },
      fanout: { type: "string" },
      burst: { type: "string" },
      clicks: { type: "string" },
      "click-rate": { type: "string" },
      only: { type: "string" },
      layouts: { type: "string" },
      "create-layout": { type: "string" },
      out: { type: "string" },
      "no-write": { type: "boolean", default: false },
      profile: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return null;
  const quick = values.quick;
  const parts = new Set((values.only ?? "redirect,create,fanout,clicks").split(",").map((p) => p.trim()));
  for (const part of parts) if (!["redirect", "create", "fanout", "clicks"].includes(part)) throw new Error(`--only: unknown part ${part}`);
  const layouts = (values.layouts ?? "split,single").split(",").map((l) => l.trim());
  for (const l of layouts) if (l !== "split" && l !== "single") throw new Error(`--layouts: split or single, not ${l}`);
  const createLayout = values["create-layout"] ?? "single";
  if (createLayout !== "split" && createLayout !== "single") throw new Error(`--create-layout: split or single, not ${createLayout}`);
  const creates = values.creates === undefined ? undefined : positive(values.creates, 0, "creates");
  return {
    links: positive(values.links, quick ? 1_000 : 10_000, "links"),
    seconds: positive(values.seconds, quick ? 3 : 10, "seconds"),
    rounds: positive(values.rounds, quick ? 1 : 3, "rounds"),
    connections: positive(values.connections, 32, "connections"),
    creates1: creates ?? (quick ? 100 : 400),
    creates16: creates ?? (quick ? 400 : 2_000),
    fanout: positive(values.fanout, quick ? 50 : 200, "fanout"),
    burst: positive(values.burst, quick ? 300 : 2_000, "burst"),
    clicks: positive(values.clicks, quick ? 5_000 : 100_000, "clicks"),
    clickRate: positive(values["click-rate"], 1_000, "click-rate"),
    clickLinks: 100,
    parts: /** @type {Set<"redirect" | "create" | "fanout" | "clicks">} */ (parts),
    layouts: /** @type {("split" | "single")[]} */ (layouts),
    createLayout,
    out: values["no-write"] || (quick && values.out === undefined) ? null : (values.out ?? "BENCHMARKS.md"),
    quick,
    profile: values.profile ?? null,
  };
}
