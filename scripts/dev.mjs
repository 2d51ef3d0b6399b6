// `npm run dev`: the whole stack on local miniflare, a demo team, and a curl to try it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { watchDashboardAssets } from "./lib/dashboard-assets.mjs";
import { ROOT, applyMigrations, createDemoTeam, ensureDevVars, mintApiKey, startStack } from "./stack.mjs";

const PORT = Number(process.env.PORT ?? 8787);
const PERSIST_TO = ".wrangler/state";
const DEMO_TEAM_FILE = path.join(ROOT, ".wrangler/demo-team.json");

const vars = ensureDevVars();
const adminToken = vars.ADMIN_TOKEN;
if (!adminToken) throw new Error(".dev.vars has no ADMIN_TOKEN; delete it and run `npm run dev` again to get a fresh one.");

console.log(`Applying D1 migrations to ${PERSIST_TO} ...`);
await applyMigrations({ persistTo: PERSIST_TO });

console.log("Starting the stack (wrangler dev) ...");
// Not detached: wrangler and workerd stay in this terminal's process group, so Ctrl-C, or any
// signal sent to the group, reaches them even if this script cannot pass it on.
const stack = await startStack({ port: PORT, persistTo: PERSIST_TO, echo: true, detached: false });
// The dashboard's bundle follows its sources while the stack runs (a reload of the page shows them).
const dashboardWatch = await watchDashboardAssets();

let stopping = false;
/** @param {number} code */
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  console.log("\nStopping the stack ...");
  await dashboardWatch.stop();
  await stack.stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(130));
process.on("SIGTERM", () => void shutdown(143));
process.on("SIGHUP", () => void shutdown(129));
void stack.exited.then(({ code }) => {
  if (stopping) return;
  console.error(`wrangler dev exited with code ${code}.`);
  void shutdown(code || 1);
});

try {
  const { teamId, apiKey, reused } = await demoTeam(stack.baseUrl, adminToken);
  const base = `http://localhost:${PORT}`;
  const curl = [
    `curl -sS -X POST ${base}/v1/links`,
    `  -H 'authorization: Bearer ${apiKey}'`,
    `  -H 'content-type: application/json'`,
    `  -d '{"url": "https://developers.cloudflare.com/workers/"}'`,
  ].join(" \\\n");
  console.log(`
──────────────────────────────────────────────────────────────────────
 Linkflow is running at ${base}   (API docs: ${base}/docs)
 Live dashboard: ${base}/dashboard   (paste the API key below)
 Demo team ${teamId}${reused ? " (reused)" : ""}
 API key:  ${apiKey}
 Admin token: ADMIN_TOKEN in .dev.vars

 Create a link:
${curl}

 Then open its shortUrl, e.g. curl -i ${base}/<slug>
 Ctrl-C stops the stack; state stays in ${PERSIST_TO}.
──────────────────────────────────────────────────────────────────────
`);
} catch (error) {
  console.error(error);
  await shutdown(1);
}

/**
 * The demo team of earlier runs (its id is kept in .wrangler/demo-team.json) with a freshly
 * minted key, or a new team when there is none or the local state was wiped.
 * @param {string} baseUrl
 * @param {string} token
 */
async function demoTeam(baseUrl, token) {
  const saved = existsSync(DEMO_TEAM_FILE) ? JSON.parse(readFileSync(DEMO_TEAM_FILE, "utf8")) : undefined;
  if (typeof saved?.teamId === "string") {
    const apiKey = await mintApiKey(baseUrl, token, saved.teamId);
    if (apiKey) return { teamId: saved.teamId, apiKey, reused: true };
  }
  const team = await createDemoTeam(baseUrl, token);
  mkdirSync(path.dirname(DEMO_TEAM_FILE), { recursive: true });
  writeFileSync(DEMO_TEAM_FILE, `${JSON.stringify({ teamId: team.teamId, createdAt: new Date().toISOString() }, null, 2)}\n`);
  return { ...team, reused: false };
}
