// The results as a table (figure, ours, floor, ratio, target, machine, date), printed and written
// into BENCHMARKS.md between two markers: the rest of that file (how to rerun, what limits the
// figures) is prose kept by hand.
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { date, machine, ms, rps, secs, us } from "./report-format.mjs";
import { notes } from "./report-notes.mjs";
import { ruledRedirectRows } from "./report-rules.mjs";

const START = "<!-- bench:results:start (written by npm run bench) -->";
const END = "<!-- bench:results:end -->";

/**
 * @typedef {object} Results
 * @property {import("./options.mjs").BenchOptions} options
 * @property {Date} startedAt
 * @property {number[]} loadBefore
 * @property {number[]} loadAfter
 * @property {number} cores
 * @property {string[]} workers
 * @property {string} stateOn where the throwaway D1/R2/DO state lived
 * @property {Partial<Record<"split" | "single", Awaited<ReturnType<typeof import("./redirect-bench.mjs").benchRedirect>>>>} redirect
 * @property {Partial<Record<"split" | "single", Awaited<ReturnType<typeof import("./redirect-bench.mjs").benchWarmRedirect>>>>} redirectRules links with 20 rules, the last matching
 * @property {{ links: number, records: number }} [readModel] the read model's records found before redirects were measured
 * @property {Awaited<ReturnType<typeof import("./create-bench.mjs").benchCreate>>} [create]
 * @property {Awaited<ReturnType<typeof import("./fanout-bench.mjs").benchFanout>>} [fanout]
 * @property {Awaited<ReturnType<typeof import("./clicks-bench.mjs").benchClicks>>} [clicks]
 */

/** @typedef {{ figure: string, ours: string, floor: string, ratio: string, target: string }} Row */

/**
 * @param {number} ratio
 * @param {"max" | "min"} kind the ratio must stay at most / at least `bound`
 * @param {number} bound
 */
function judged(ratio, kind, bound) {
  const met = kind === "max" ? ratio <= bound : ratio >= bound;
  return { ratio: `${ratio.toFixed(2)}×`, target: `${kind === "max" ? "≤" : "≥"} ${bound}× ${met ? "met" : "missed"}` };
}

/** @param {Results} r @returns {Row[]} */
function rows(r) {
  /** @type {Row[]} */
  const out = [];
  for (const [layout, how] of /** @type {const} */ ([
    ["split", "edge and api in their own workerd"],
    ["single", "whole stack in one workerd"],
  ])) {
    const result = r.redirect[layout];
    if (!result) continue;
    const { ours, floor } = result;
    // Issue 12's targets: 0.8× with the api on its own thread, 0.5× with the whole stack on one (npm run dev's).
    out.push({
      figure: `Redirect GET /:slug (${how}), throughput`,
      ours: rps(ours.rps),
      floor: rps(floor.rps),
      ...judged(ours.rps / floor.rps, "min", layout === "split" ? 0.8 : 0.5),
    });
    out.push({
      figure: `Redirect (${how}), p50 latency`,
      ours: ms(ours.p50),
      floor: ms(floor.p50),
      ratio: `${(ours.p50 / floor.p50).toFixed(2)}×`,
      target: "",
    });
    out.push({ figure: `Redirect (${how}), p99 latency`, ours: ms(ours.p99), floor: ms(floor.p99), ...judged(ours.p99 / floor.p99, "max", 2) });
    const { cpuUs } = result;
    const where =
      layout === "split" ? "the edge and api's workerd (with the queue broker and TeamFeed it hosts locally)" : "the one workerd (every consumer included)";
    out.push({
      figure: `Redirect (${how}), CPU a redirect in ${where}`,
      ours: us(cpuUs.front),
      floor: us(cpuUs.floor),
      ratio: `${(cpuUs.front / cpuUs.floor).toFixed(2)}×`,
      target: "",
    });
    if (layout === "split")
      out.push({
        figure: "Redirect (edge and api in their own workerd), CPU a click in the fan-out and consumers' workerd",
        ours: us(cpuUs.pipeline),
        floor: "—",
        ratio: "—",
        target: "",
      });
    // Issue 16: the same rounds over links with 20 targeting rules, every request matching the last.
    out.push(...ruledRedirectRows(r.redirectRules[layout], result, how, where));
    // The cold path: each request a slug the isolate has not cached (one KV read), against a floor that reads KV once and 302s.
    const { cold } = result;
    out.push({
      figure: `Redirect, cold isolate cache (${how}; every slug once, a KV read each; floor: one KV read + 302), throughput`,
      ours: rps(cold.ours.rps),
      floor: rps(cold.floor.rps),
      ratio: `${(cold.ours.rps / cold.floor.rps).toFixed(2)}×`,
      target: "",
    });
    out.push({
      figure: `Redirect, cold isolate cache (${how}), p50 / p99 latency`,
      ours: `${ms(cold.ours.p50)} / ${ms(cold.ours.p99)}`,
      floor: `${ms(cold.floor.p50)} / ${ms(cold.floor.p99)}`,
      ratio: `${(cold.ours.p50 / cold.floor.p50).toFixed(2)}× / ${(cold.ours.p99 / cold.floor.p99).toFixed(2)}×`,
      target: "",
    });
    out.push({
      figure: `Redirect, cold isolate cache (${how}), CPU a redirect in ${layout === "split" ? "the api's workerd" : "the one workerd"}`,
      ours: us(cold.cpuUs.front),
      floor: us(cold.cpuUs.floor),
      ratio: `${(cold.cpuUs.front / cold.cpuUs.floor).toFixed(2)}×`,
      target: "",
    });
    // D1 primary queries, from the lookups the api logged: none while every slug has its KV record.
    const perThousand = (/** @type {number} */ primary, /** @type {number} */ requests) => (requests > 0 ? (primary * 1000) / requests : Number.NaN);
    const warmRate = perThousand(result.lookups.rounds.primary, ours.responses);
    const coldRate = perThousand(cold.lookups.primary, cold.ours.responses);
    out.push({
      figure: `Redirect (${how}): D1 primary queries per 1,000 redirects, measured rounds warm / cold (from the api's logged lookups)`,
      ours: `${warmRate.toFixed(2)} / ${coldRate.toFixed(2)} (${result.lookups.rounds.primary} of ${ours.responses.toLocaleString("en-US")}; ${cold.lookups.primary} of ${cold.ours.responses.toLocaleString("en-US")})`,
      floor: "—",
      ratio: "—",
      target: `0 ${warmRate === 0 && coldRate === 0 ? "met" : "missed"}`,
    });
  }
  if (r.create) {
    for (const [label, level] of /** @type {const} */ ([
      ["1", r.create.c1],
      ["16", r.create.c16],
    ])) {
      out.push({
        figure: `Create POST /v1/links, concurrency ${label}, p50`,
        ours: ms(level.ours.p50),
        floor: ms(level.floor.p50),
        ...judged(level.ours.p50 / level.floor.p50, "max", 1.3),
      });
      out.push({
        figure: `Create, concurrency ${label}, p99`,
        ours: ms(level.ours.p99),
        floor: ms(level.floor.p99),
        ratio: `${(level.ours.p99 / level.floor.p99).toFixed(2)}×`,
        target: "",
      });
      const where = r.options.createLayout === "split" ? "the api's workerd" : "the stack's one workerd (every consumer included)";
      out.push({
        figure: `Create, concurrency ${label}, CPU a create in ${where}`,
        ours: `${level.cpuUs.front.toFixed(0)} µs`,
        floor: `${level.cpuUs.floor.toFixed(0)} µs`,
        ratio: `${(level.cpuUs.front / level.cpuUs.floor).toFixed(2)}×`,
        target: "",
      });
    }
  }
  if (r.fanout) {
    const { latency, burst } = r.fanout;
    const none = { floor: "—", ratio: "—", target: "" };
    const frameMet = (/** @type {number} */ v, /** @type {number} */ bound) => (v <= bound ? "met" : "missed");
    out.push({
      figure: `Create → dashboard WebSocket frame, p50 / p99 (${latency.frame.n} of ${latency.links})`,
      ours: `${ms(latency.frame.p50)} / ${ms(latency.frame.p99)}`,
      floor: "—",
      ratio: "—",
      target: `p50 ≤ 100 ms ${frameMet(latency.frame.p50, 100)}; p99 ≤ 500 ms ${frameMet(latency.frame.p99, 500)}`,
    });
    out.push({
      figure: `Create → last subscriber delivered in the ledger, p50 / p99 (${latency.delivered.n} of ${latency.links})`,
      ours: `${ms(latency.delivered.p50)} / ${ms(latency.delivered.p99)}`,
      ...none,
    });
    if (latency.webhook.n > 0)
      out.push({
        figure: `Create → webhook received, p50 / p99 (${latency.webhook.n} of ${latency.links})`,
        ours: `${ms(latency.webhook.p50)} / ${ms(latency.webhook.p99)}`,
        ...none,
      });
    out.push({ figure: `Burst of ${burst.links} creates (concurrency 16): sent / drained`, ours: `${secs(burst.sentMs)} / ${secs(burst.drainMs)}`, ...none });
    out.push({
      figure: "Peak RSS of workerd during the burst (VmHWM, all processes)",
      ours: `${(burst.memory.hwmKb / 1024).toFixed(0)} MB (${burst.memory.hwmKbs.map((kb) => `${(kb / 1024).toFixed(0)}`).join(" + ")})`,
      ...none,
    });
  }
  if (r.clicks) {
    const c = r.clicks;
    const none = { floor: "—", ratio: "—" };
    const judge = (/** @type {boolean} */ met, /** @type {string} */ target) => `${target} ${met ? "met" : "missed"}`;
    out.push({
      figure: `Clicks (${c.clicks.toLocaleString("en-US")} at ${c.rate}/s, 100 links): bytes added to all stores a click, steady state (the day's visitor sets folded)`,
      ours: `${c.foldedBytesPerClick.toFixed(1)} B`,
      ...none,
      target: judge(c.foldedBytesPerClick <= 64, "≤ 64 B"),
    });
    out.push({
      figure: "Clicks: bytes a click while the day is open (its exact visitor sets kept until it folds)",
      ours: `${c.bytesPerClick.toFixed(0)} B`,
      ...none,
      target: "",
    });
    out.push({
      figure: "Bytes a create keeps, every store (link, event log, ledger, effects, receipts; within the retention windows)",
      ours: `${c.bytesPerCreate.toFixed(0)} B`,
      ...none,
      target: "",
    });
    out.push({
      figure: "Clicks: workerd CPU a click, whole pipeline (redirect, send, fan-out, consumers)",
      ours: `${c.cpuUsPerClick.toFixed(0)} µs`,
      ...none,
      target: judge(c.cpuUsPerClick <= 3100 / 4, "≤ 775 µs (¼ of 3.1 ms)"),
    });
    out.push({
      figure: "Clicks: queue messages a click (topic messages + subscriber copies)",
      ours: c.messagesPerClick.toFixed(3),
      ...none,
      target: judge(c.messagesPerClick <= 0.05, "≤ 0.05"),
    });
    const exact = c.wrong.clicks === 0 && c.wrong.bots === 0 && c.wrong.uniques === 0 && c.countedHumans === c.sentHumans;
    out.push({
      figure: "Clicks: counts (clicks, bot clicks, unique visitors) of every link equal what was sent",
      ours: `${c.countedHumans}/${c.sentHumans} human clicks; wrong links ${c.wrong.clicks}/${c.wrong.bots}/${c.wrong.uniques} of ${c.wrong.links}`,
      ...none,
      target: exact ? "exact: met" : "missed",
    });
  }
  return out;
}

/** @typedef {"redirect" | "create" | "fanout" | "clicks"} Part */
const PARTS = /** @type {const} */ (["redirect", "create", "fanout", "clicks"]);

/**
 * Which part of the bench wrote a table row (by its figure) or a note line; null for the run's own
 * lines (machine, sizes, Workers), which every run rewrites.
 * @param {string} line
 * @returns {Part | null}
 */
function partOf(line) {
  const text = line.replace(/^[|-] /, "");
  if (/^Redirect|^Slug lookups|^Read model/.test(text)) return "redirect";
  if (/^Create →|^Burst|^Peak RSS|^Subscribers of|^After the burst/.test(text)) return "fanout";
  if (/^Create/.test(text)) return "create";
  if (/^Clicks|^Bytes a create/.test(text)) return "clicks";
  return null;
}

/**
 * The table and notes. `previous` (the section as last written): rows and notes of the parts this
 * run left out (`--only`) are kept as they were, each row with its own date, so a partial run
 * never drops figures it did not measure.
 * @param {Results} r
 * @param {string} [previous]
 */
export function renderResults(r, previous = "") {
  const header = "| Figure | Ours | Floor | Ratio | Target | Machine | Date |\n|---|---|---|---|---|---|---|";
  const fresh = rows(r).map((row) => `| ${row.figure} | ${row.ours} | ${row.floor} | ${row.ratio} | ${row.target} | ${machine(r)} | ${date(r)} |`);
  const old = previous.split("\n");
  const keptParts = PARTS.filter((part) => !r.options.parts.has(part));
  const kept = (/** @type {Part} */ part, /** @type {string} */ prefix) =>
    keptParts.includes(part) ? old.filter((l) => l.startsWith(prefix) && partOf(l) === part) : [];
  const body = PARTS.flatMap((part) => [...fresh.filter((l) => partOf(l) === part), ...kept(part, "| ")]);
  const keptNotes = keptParts.flatMap((part) => kept(part, "- "));
  const partial =
    keptNotes.length > 0 || body.length > fresh.length
      ? [
          `- This run measured ${PARTS.filter((p) => r.options.parts.has(p)).join(", ")}; the rows and notes of ${keptParts.join(", ")} are from their last run (each row's date), its machine and sizes as written then.`,
        ]
      : [];
  return [header, ...body, "", ...notes(r), ...partial, ...keptNotes].join("\n");
}

/** @param {Results} r @param {(line: string) => void} log */
export function printReport(r, log) {
  log(`\n${renderResults(r)}`);
}

const SKELETON = `# Benchmarks

${START}
${END}
`;

/**
 * Replaces the results between the markers of `file` (creating it if needed).
 * @param {Results} r
 * @param {string} file
 */
export async function writeReport(r, file) {
  const text = existsSync(file) ? await readFile(file, "utf8") : SKELETON;
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start === -1 || end < start) throw new Error(`${file} has no ${START} ... ${END} markers`);
  const previous = text.slice(start + START.length, end);
  await writeFile(file, `${text.slice(0, start + START.length)}\n${renderResults(r, previous)}\n${text.slice(end)}`);
}
