// One `wrangler dev` process running every Worker of the stack, with shared local state.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { BIN, ROOT, toolEnv } from "./proc.mjs";

/** A TCP port nothing listens on right now (the OS picks it). */
export function freePort(host = "127.0.0.1") {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** @param {number} port @param {string} host */
function portIsFree(port, host) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * @typedef {object} StackOptions
 * @property {number} port HTTP port of the primary (first) Worker
 * @property {string} persistTo directory of the local D1/R2/DO state, shared by every Worker
 * @property {number} [inspectorPort] devtools port; a free one when omitted
 * @property {boolean} [echo] stream wrangler's output to this process's stdout/stderr
 * @property {string} [logFile] also append wrangler's output to this file
 * @property {number} [timeoutMs] how long to wait for /healthz
 * @property {boolean} [detached] run wrangler in a process group of its own (the default), so stop()
 *   also ends a workerd that outlives it; false keeps it in the caller's group, where Ctrl-C and any
 *   signal sent to the group (even SIGKILL) reach wrangler and workerd directly
 * @property {Record<string, string>} [vars] extra vars for every Worker (startStack writes them into overlay configs)
 *
 * @typedef {object} RunningStack
 * @property {string} baseUrl origin of the primary Worker, e.g. http://127.0.0.1:8787
 * @property {number} inspectorPort
 * @property {() => string} logs the last few hundred lines wrangler printed
 * @property {Promise<{ code: number | null, signal: NodeJS.Signals | null }>} exited settles when wrangler exits
 * @property {() => Promise<void>} stop ends wrangler and every workerd it started
 * @property {() => Promise<void>} kill SIGKILLs wrangler's whole process group at once (a crash: nothing
 *   flushes, in-memory queue messages are gone; the chaos harness's first scenario)
 */

/**
 * Starts `wrangler dev -c <first> -c <second> ...` in its own process group and resolves once
 * GET /healthz on the primary Worker answers 200.
 * @param {string[]} configs wrangler configs in start order (the first is primary)
 * @param {StackOptions} options
 * @returns {Promise<RunningStack>}
 */
export async function startWranglerDev(configs, { port, persistTo, inspectorPort, echo = false, logFile, timeoutMs = 90_000, vars = {}, detached = true }) {
  const host = "127.0.0.1";
  if (!(await portIsFree(port, host))) throw new Error(`Port ${port} on ${host} is already in use (is another dev stack running?).`);
  const inspector = inspectorPort ?? (await freePort(host));
  const args = [
    "dev",
    ...configs.flatMap((config) => ["-c", config]),
    ...["--ip", host, "--port", String(port), "--inspector-port", String(inspector)],
    ...["--persist-to", persistTo, "--test-scheduled", "--show-interactive-dev-session=false"],
  ];
  const colour = echo && process.stdout.isTTY ? { FORCE_COLOR: "1" } : {};
  const child = spawn(process.execPath, [BIN.wrangler, ...args], { cwd: ROOT, env: toolEnv(colour), stdio: ["ignore", "pipe", "pipe"], detached });
  const pid = /** @type {number} */ (child.pid);

  /** @type {string[]} */
  let tail = [];
  const log = logFile ? createWriteStream(logFile, { flags: "a" }) : undefined;
  for (const [stream, sink] of /** @type {const} */ ([
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ])) {
    stream.on("data", (chunk) => {
      if (echo) sink.write(chunk);
      log?.write(chunk);
      tail.push(String(chunk));
      if (tail.length > 400) tail = tail.slice(-300);
    });
  }
  const logs = () => tail.join("");

  /** @type {{ code: number | null, signal: NodeJS.Signals | null } | undefined} */
  let exit;
  /** @type {RunningStack["exited"]} */
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve((exit = { code, signal }))));
  /** Signals wrangler's process group, or wrangler alone (it passes SIGTERM on) when not detached. */
  const signalGroup = (/** @type {NodeJS.Signals} */ signal) => {
    try {
      process.kill(detached ? -pid : pid, signal);
    } catch {
      // the group is already gone
    }
  };
  // This process is ending without stop(): kill the group, or ask wrangler to stop its workerd.
  const killOnExit = () => signalGroup(detached ? "SIGKILL" : "SIGTERM");
  process.on("exit", killOnExit);

  /** @type {Promise<void> | undefined} */
  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      if (!exit) signalGroup("SIGTERM");
      const force = setTimeout(() => signalGroup("SIGKILL"), 10_000);
      await exited;
      clearTimeout(force);
      if (detached) signalGroup("SIGKILL"); // a workerd that outlived wrangler
      process.off("exit", killOnExit);
      log?.end();
    })());

  const kill = async () => {
    if (!detached) throw new Error("kill() needs a detached stack: it signals the stack's own process group");
    signalGroup("SIGKILL");
    await exited;
    process.off("exit", killOnExit);
    log?.end();
    // The kernel frees the listening sockets of the killed processes a moment after the exit.
    for (let i = 0; i < 100 && !(await portIsFree(port, host)); i++) await sleep(100);
  };

  const baseUrl = `http://${host}:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exit) {
      await stop();
      throw new Error(`wrangler dev exited (code ${exit.code}, signal ${exit.signal}) before ${baseUrl}/healthz answered:\n${logs()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${baseUrl}/healthz did not answer 200 within ${timeoutMs} ms:\n${logs()}`);
    }
    const healthy = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(10_000) }).then(
      async (res) => (await res.arrayBuffer(), res.ok),
      () => false,
    );
    if (healthy) return { baseUrl, inspectorPort: inspector, logs, exited, stop, kill };
    await sleep(250);
  }
}
