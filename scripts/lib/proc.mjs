// Running the project's tools (wrangler, drizzle-kit, tsc) from Node scripts.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const nodeMajor = Number(process.versions.node.split(".")[0]);
if (nodeMajor < 22) {
  throw new Error(
    `Node ${process.versions.node} is too old for wrangler; run this through npm (npm run dev, npm test, ...), ` +
      "which uses the project's own Node 24 from node_modules/.bin.",
  );
}

/** The tools' entry scripts; they run on the Node that runs us (the project's Node under npm). */
export const BIN = {
  wrangler: path.join(ROOT, "node_modules/wrangler/bin/wrangler.js"),
  drizzleKit: path.join(ROOT, "node_modules/drizzle-kit/bin.cjs"),
  tsc: path.join(ROOT, "node_modules/typescript/bin/tsc"),
};

/** Environment for every tool run: no telemetry (there is no network), plus the caller's extras. */
export function toolEnv(extra = {}) {
  return { ...process.env, WRANGLER_SEND_METRICS: "false", ...extra };
}

/**
 * Runs `node <bin> ...args` and resolves with its exit code and output. stdin is closed, so
 * wrangler never stops to ask a question (it treats a non-TTY stdin as non-interactive), unless
 * `interactive` hands the terminal to the tool (then nothing is captured).
 * @param {string} bin
 * @param {string[]} args
 * @param {{ cwd?: string, env?: Record<string, string>, echo?: boolean, interactive?: boolean }} [options]
 * @returns {Promise<{ code: number, output: string }>}
 */
export function run(bin, args, { cwd = ROOT, env = {}, echo = true, interactive = false } = {}) {
  return new Promise((resolve, reject) => {
    /** @type {import("node:child_process").StdioOptions} */
    const stdio = interactive ? "inherit" : ["ignore", "pipe", "pipe"];
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: toolEnv(env), stdio });
    let output = "";
    for (const [stream, sink] of /** @type {const} */ ([
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ])) {
      stream?.on("data", (chunk) => {
        output += chunk;
        if (echo) sink.write(chunk);
      });
    }
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

/**
 * Like run(), but throws when the tool fails.
 * @param {string} bin
 * @param {string[]} args
 * @param {Parameters<typeof run>[2]} [options]
 */
export async function runOrThrow(bin, args, options) {
  const result = await run(bin, args, options);
  if (result.code !== 0) {
    const tail = options?.echo === false ? `\n${result.output.trim().split("\n").slice(-30).join("\n")}` : "";
    throw new Error(`${path.basename(bin)} ${args.join(" ")} exited with code ${result.code}${tail}`);
  }
  return result;
}
