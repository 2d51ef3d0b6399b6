// What the kernel says about the workerd processes: CPU time (to wait until the stack is idle
// between phases, so one phase's background work never lands in the next one's figures) and
// memory (VmRSS now, VmHWM the peak since the process started).
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux this runs on

/**
 * CPU seconds (user + system) the process has used so far.
 * @param {number} pid
 */
export async function cpuSeconds(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces: the fields are counted from its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * @param {number} pid
 * @returns {Promise<{ rssKb: number, hwmKb: number }>}
 */
export async function memory(pid) {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (/** @type {string} */ field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
}

/**
 * CPU seconds the processes have used so far, together.
 * @param {number[]} pids
 */
async function cpuSecondsOf(pids) {
  let sum = 0;
  for (const pid of pids) sum += await cpuSeconds(pid);
  return sum;
}

/**
 * Starts counting the processes' CPU time; `microsEach(n)` is what they used since, in µs for each
 * of n responses (the cost of a request, whatever else competes for the cores).
 * @param {number[]} pids
 */
export async function cpuMeter(pids) {
  const start = await cpuSecondsOf(pids);
  return {
    /** @param {number} responses */
    microsEach: async (responses) => (((await cpuSecondsOf(pids)) - start) / responses) * 1e6,
  };
}

/**
 * Resolves once the processes have been quiet (together under `maxLoad` of a core) for `quietMs`
 * on end: their queues and consumers have nothing left to do. The quiet spell must outlast the
 * longest queue batch timeout of the stack (5 s, analytics'), or a consumer still waiting to fill
 * its batch would look idle.
 * @param {number[]} pids
 * @param {{ maxLoad?: number, quietMs?: number, timeoutMs?: number }} [options]
 * @returns {Promise<number>} milliseconds until the last busy moment (the drain time)
 */
export async function waitIdle(pids, { maxLoad = 0.05, quietMs = 6_000, timeoutMs = 600_000 } = {}) {
  const started = performance.now();
  let lastBusy = started;
  let before = await cpuSecondsOf(pids);
  let at = performance.now();
  for (;;) {
    await sleep(500);
    const cpu = await cpuSecondsOf(pids);
    const now = performance.now();
    if ((cpu - before) / ((now - at) / 1000) >= maxLoad) lastBusy = now;
    before = cpu;
    at = now;
    if (now - lastBusy >= quietMs) return lastBusy - started;
    if (now - started > timeoutMs) throw new Error(`workerd still busy after ${Math.round(timeoutMs / 1000)} s`);
  }
}

/**
 * Resets the kernel's peak-RSS mark (VmHWM) to the current RSS, so a later reading is the peak
 * of what happened since (proc(5), clear_refs "5"); these are our own child processes.
 * @param {number[]} pids
 */
export async function resetPeakMemory(pids) {
  for (const pid of pids) await writeFile(`/proc/${pid}/clear_refs`, "5");
}

/**
 * Samples the processes' memory every `everyMs` until stop() is called; the peak is the larger of
 * the sampled VmRSS and the kernel's own high-water mark VmHWM (which no sampling can miss).
 * @param {number[]} pids
 * @param {number} [everyMs]
 */
export function watchMemory(pids, everyMs = 200) {
  let peakRssKb = 0;
  let running = true;
  const sample = async () => {
    let total = 0;
    for (const pid of pids) total += (await memory(pid)).rssKb;
    peakRssKb = Math.max(peakRssKb, total);
  };
  const loop = (async () => {
    while (running) {
      await sample();
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      /** @type {number[]} */
      const hwmKbs = [];
      for (const pid of pids) hwmKbs.push((await memory(pid)).hwmKb);
      return { peakRssKb, hwmKb: hwmKbs.reduce((a, b) => a + b, 0), hwmKbs };
    },
  };
}

/**
 * Runs `task` with the given processes at the lowest CPU priority (nice 19), then restores them:
 * while redirects and creates are measured, the fan-out and consumers (in a workerd of their own)
 * take only CPU the api Worker and the load generator leave, as on Cloudflare, where they never
 * share the redirect's thread. Their queues fill meanwhile and drain afterwards.
 * @template T
 * @param {number[]} pids
 * @param {() => Promise<T>} task
 * @returns {Promise<T>}
 */
export async function inBackground(pids, task) {
  for (const pid of pids) os.setPriority(pid, 19);
  try {
    return await task();
  } finally {
    // Raising a priority back needs privileges; without them the pipeline stays low (and says so).
    for (const pid of pids) {
      try {
        os.setPriority(pid, 0);
      } catch (error) {
        console.warn(`could not restore the priority of workerd ${pid}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
