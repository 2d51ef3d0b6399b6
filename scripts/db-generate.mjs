// `npm run db:generate [-- --name <migration_name>]`: drizzle-kit generate for every database of
// the stack. drizzle-kit 0.31 writes flat NNNN_name.sql files, which both
// `wrangler d1 migrations apply` and the vitest plugin's readD1Migrations read.
import { BIN, runOrThrow } from "./lib/proc.mjs";
import { DATABASES } from "./stack.mjs";

const extraArgs = process.argv.slice(2);
try {
  for (const drizzleConfig of new Set(DATABASES.map((db) => db.drizzleConfig))) {
    console.log(`\n▶ drizzle-kit generate --config ${drizzleConfig}`);
    await runOrThrow(BIN.drizzleKit, ["generate", "--config", drizzleConfig, ...extraArgs]);
  }
} catch (error) {
  console.error(`\ndb:generate stopped: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
