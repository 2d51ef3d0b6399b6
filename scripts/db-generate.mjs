// `npm run db:generate [-- --name <migration_name>]`: drizzle-kit generate for every database of
// the stack, one run each through drizzle.config.ts. drizzle-kit 0.31 writes flat NNNN_name.sql files, which both
// `wrangler d1 migrations apply` and the vitest plugin's readD1Migrations read.
import { BIN, runOrThrow } from "./lib/proc.mjs";
import { DATABASES } from "./stack.mjs";

const extraArgs = process.argv.slice(2);
try {
  for (const { name } of DATABASES) {
    console.log(`\n▶ LINKFLOW_DB=${name} drizzle-kit generate`);
    await runOrThrow(BIN.drizzleKit, ["generate", "--config", "drizzle.config.ts", ...extraArgs], { env: { LINKFLOW_DB: name } });
  }
} catch (error) {
  console.error(`\ndb:generate stopped: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
