// `npm run deploy`: remote D1 migrations first, then every Worker in dependency order (each after
// the Workers it binds by service or Durable Object script_name). Needs `wrangler login` (or
// CLOUDFLARE_API_TOKEN) and the resources and secrets of README's Deploy section.
import { refuseChaos } from "./lib/chaos-guard.mjs";
import { ensureDashboardAssets } from "./lib/dashboard-assets.mjs";
import { ensureDocsAssets } from "./lib/docs-assets.mjs";
import { BIN, runOrThrow } from "./lib/proc.mjs";
import { deployOrder } from "./lib/resources.mjs";
import { DATABASES, WORKERS } from "./stack.mjs";

try {
  // Before anything touches the account: a chaos run's fault injection never reaches production.
  refuseChaos(WORKERS.map((w) => w.config));
  ensureDocsAssets();
  ensureDashboardAssets();
  for (const db of DATABASES) {
    console.log(`\n▶ D1 migrations: ${db.binding} (${db.config})`);
    await runOrThrow(BIN.wrangler, ["d1", "migrations", "apply", db.binding, "--remote", "-c", db.config], { interactive: true });
  }
  for (const config of deployOrder(WORKERS.map((w) => w.config))) {
    console.log(`\n▶ deploy: ${config}`);
    await runOrThrow(BIN.wrangler, ["deploy", "-c", config], { interactive: true });
  }
  console.log(`\nDeployed ${WORKERS.length} Workers.`);
} catch (error) {
  // Stops at the first failure: a Worker is never deployed against an unmigrated database.
  console.error(`\ndeploy stopped: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
