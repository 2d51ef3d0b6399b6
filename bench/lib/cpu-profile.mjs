// `npm run bench -- --profile DIR`: a V8 CPU profile of the api Worker's isolate while it is
// measured, taken through workerd's devtools inspector (the same protocol Chrome DevTools speaks),
// written as .cpuprofile files DevTools opens, and summarised as the functions with the most
// self time, so a missed target points at its cause.
import { writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * @typedef {object} ProfileNode
 * @property {number} id
 * @property {{ functionName: string, url: string, lineNumber: number }} callFrame
 * @property {number[]} [children]
 */
/** @typedef {{ nodes: ProfileNode[], samples?: number[], timeDeltas?: number[] }} CpuProfile */
/** @typedef {<T>(label: string, work: () => Promise<T>) => Promise<T>} Profiler */

/** Runs the work as it is: the bench without --profile. */
export const unprofiled = /** @type {Profiler} */ ((_label, work) => work());

/**
 * A Profiler that profiles `workerName` (on workerd's inspector at `inspectorPort`) into `dir`
 * and prints each profile's summary.
 * @param {{ inspectorPort: number, workerName: string, dir: string, log: (line: string) => void }} where
 * @returns {Profiler}
 */
export function profilerInto({ inspectorPort, workerName, dir, log }) {
  return async (label, work) => {
    const { result, summary } = await profiled({ inspectorPort, workerName, dir, label }, work);
    log(`  CPU profiles (${label}), functions by self time:`);
    for (const line of summary) log(`  ${line}`);
    return result;
  };
}

/** @typedef {{ id: string, webSocketDebuggerUrl?: string }} InspectorTarget */

/**
 * The isolates worth profiling in one workerd: the Worker itself, and Miniflare's queue broker
 * when it runs in the same process (locally it shares the Worker's thread; on Cloudflare it is
 * a service of its own).
 * @param {number} inspectorPort
 * @param {string} workerName
 * @returns {Promise<InspectorTarget[]>}
 */
async function targetsOf(inspectorPort, workerName) {
  const targets = /** @type {InspectorTarget[]} */ (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json());
  const worker = targets.find((t) => t.id === `core:user:${workerName}`);
  if (!worker) throw new Error(`no inspector target for ${workerName} among ${targets.map((t) => t.id).join(", ")}`);
  return [worker, ...targets.filter((t) => t.id.startsWith("queues:queue"))];
}

/**
 * One devtools session on one isolate.
 * @param {InspectorTarget} target
 */
async function openSession(target) {
  if (!target.webSocketDebuggerUrl) throw new Error(`inspector target ${target.id} has no debugger URL`);
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve, { once: true });
    socket.addEventListener("error", () => reject(new Error(`inspector of ${target.id} refused the connection`)), { once: true });
  });
  let nextId = 1;
  /** @type {Map<number, { resolve: (value: unknown) => void, reject: (error: Error) => void }>} */
  const pending = new Map();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data));
    const waiter = typeof message.id === "number" ? pending.get(message.id) : undefined;
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${message.error.message}`));
    else waiter.resolve(message.result);
  });
  /** @param {string} method @param {Record<string, unknown>} [params] @returns {Promise<unknown>} */
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => socket.close() };
}

/**
 * Profiles `workerName` while `work` runs; writes `<dir>/<label>.cpuprofile` and returns the
 * top of its self-time table as printable lines.
 * @template T
 * @param {{ inspectorPort: number, workerName: string, dir: string, label: string }} where
 * @param {() => Promise<T>} work
 * @returns {Promise<{ result: T, summary: string[] }>}
 */
export async function profiled({ inspectorPort, workerName, dir, label }, work) {
  const targets = await targetsOf(inspectorPort, workerName);
  const sessions = await Promise.all(targets.map(openSession));
  try {
    for (const session of sessions) {
      await session.send("Profiler.enable");
      // 200 µs between samples: fine enough for a path that takes ~100 µs a request, over seconds.
      await session.send("Profiler.setSamplingInterval", { interval: 200 });
      await session.send("Profiler.start");
    }
    const result = await work();
    /** @type {string[]} */
    const summary = [];
    for (const [i, session] of sessions.entries()) {
      const { profile } = /** @type {{ profile: CpuProfile }} */ (await session.send("Profiler.stop"));
      const target = targets[i]?.id ?? `target-${i}`;
      const file = path.join(dir, `${label}.${target.replaceAll(/[^A-Za-z0-9-]+/g, "_")}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      summary.push(`${target}: ${busyShare(profile)} of the time running JavaScript; written to ${file}`, ...selfTimeTable(profile, i === 0 ? 25 : 8));
    }
    return { result, summary };
  } finally {
    for (const session of sessions) session.close();
  }
}

/**
 * The share of samples not idle: how busy the isolate kept the thread.
 * @param {CpuProfile} profile
 */
function busyShare(profile) {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
  const samples = profile.samples ?? [];
  const busy = samples.filter((id) => !idle.has(id)).length;
  return `${((100 * busy) / (samples.length || 1)).toFixed(0)}%`;
}

/**
 * Share of samples per function (self time), highest first.
 * @param {CpuProfile} profile
 * @param {number} top
 */
export function selfTimeTable(profile, top) {
  /** @type {Map<number, ProfileNode>} */
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  /** @type {Map<string, number>} */
  const counts = new Map();
  const samples = profile.samples ?? [];
  for (const id of samples) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const file = frame.url ? path.basename(frame.url) : "";
    const key = `${frame.functionName || "(anonymous)"}${file ? ` ${file}:${frame.lineNumber + 1}` : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const total = samples.length || 1;
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, n]) => `  ${((100 * n) / total).toFixed(1).padStart(5)}%  ${key}`);
}
