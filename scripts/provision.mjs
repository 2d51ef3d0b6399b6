// `npm run provision`: creates in the Cloudflare account what the stack's configs name (D1
// databases, queues with their dead-letter queues, R2 buckets, KV namespaces), skipping what
// exists, and writes each new database's id into the config that declares it and each
// namespace's id into every config that binds it (one namespace bound by several Workers is
// created once: scripts/lib/resources.mjs kvNamespaces). `--dry-run` prints the plan only.
// Needs `wrangler login` (or CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BIN, ROOT, run, runOrThrow } from "./lib/proc.mjs";
import { collectResources, isPlaceholderId, isPlaceholderKvId, queueNames, withDatabaseId, withKvNamespaceId } from "./lib/resources.mjs";
import { WORKERS } from "./stack.mjs";

const dryRun = process.argv.includes("--dry-run");
const resources = collectResources(WORKERS.map((w) => w.config));
const queues = queueNames(resources);

console.log(`D1 databases: ${resources.d1.map((d) => d.name).join(", ")}`);
console.log(`Queues: ${queues.join(", ")}`);
console.log(`R2 buckets: ${resources.buckets.join(", ") || "(none)"}`);
console.log(`KV namespaces: ${resources.kv.map((k) => `${k.title} (${k.configs.join(", ")})`).join(", ") || "(none)"}`);
if (dryRun) process.exit(0);

/** @param {string[]} args */
async function wranglerJson(args) {
  const { code, output } = await run(BIN.wrangler, args, { echo: false });
  if (code !== 0) throw new Error(`wrangler ${args.join(" ")} failed:\n${output}`);
  return JSON.parse(output.slice(output.indexOf("[")));
}

const existingDbs = /** @type {{ name: string, uuid: string }[]} */ (await wranglerJson(["d1", "list", "--json"]));
for (const db of resources.d1) {
  let id = existingDbs.find((d) => d.name === db.name)?.uuid;
  if (!id) {
    console.log(`▶ creating D1 ${db.name}`);
    const { output } = await runOrThrow(BIN.wrangler, ["d1", "create", db.name], { echo: true });
    id = /"?database_id"?\s*[=:]\s*"([0-9a-f-]{36})"/.exec(output)?.[1];
    if (!id) throw new Error(`could not read the id of ${db.name} from wrangler's output`);
  }
  // Every config that binds it (the api's links database is the edge's too) gets the one id.
  for (const use of db.declaredIn) {
    if (isPlaceholderId(use.id) || use.id !== id) {
      const file = path.join(ROOT, use.config);
      writeFileSync(file, withDatabaseId(readFileSync(file, "utf8"), db.name, id));
      console.log(`  ${use.config}: ${db.name} → ${id}`);
    }
  }
}

for (const queue of queues) {
  // `queues create` fails on an existing queue; that is the "already there" case.
  const { code, output } = await run(BIN.wrangler, ["queues", "create", queue], { echo: false });
  console.log(code === 0 ? `▶ created queue ${queue}` : `  queue ${queue}: ${/already exists|taken/i.test(output) ? "exists" : output.trim()}`);
}
for (const bucket of resources.buckets) {
  const { code, output } = await run(BIN.wrangler, ["r2", "bucket", "create", bucket], { echo: false });
  console.log(code === 0 ? `▶ created R2 bucket ${bucket}` : `  bucket ${bucket}: ${/already exists/i.test(output) ? "exists" : output.trim()}`);
}
/** @returns {Promise<{ id: string, title: string }[]>} */
const kvNamespaces = async () => wranglerJson(["kv", "namespace", "list"]);
let existingKv = await kvNamespaces();
for (const kv of resources.kv) {
  if (!existingKv.some((n) => n.title === kv.title)) {
    console.log(`▶ creating KV namespace ${kv.title}`);
    await runOrThrow(BIN.wrangler, ["kv", "namespace", "create", kv.title], { echo: true });
    existingKv = await kvNamespaces();
  }
  const id = existingKv.find((n) => n.title === kv.title)?.id;
  if (!id) throw new Error(`could not find the id of KV namespace ${kv.title}`);
  if (isPlaceholderKvId(kv.id) || kv.id !== id) {
    for (const config of kv.configs) {
      const file = path.join(ROOT, config);
      writeFileSync(file, withKvNamespaceId(readFileSync(file, "utf8"), kv.binding, id));
      console.log(`  ${config}: ${kv.binding} → ${id}`);
    }
  }
}
console.log("\nProvisioned. Next: set the secrets (README, Deploy), then `npm run deploy`.");
