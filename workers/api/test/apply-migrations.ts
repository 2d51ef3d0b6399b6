import { applyD1Migrations, env } from "cloudflare:test";

// Setup files run outside per-file storage isolation and may run more than once;
// applyD1Migrations skips what is already applied.
await applyD1Migrations(env.LINKS_DB, env.TEST_MIGRATIONS);
await applyD1Migrations(env.LEDGER_DB, env.TEST_LEDGER_MIGRATIONS);
await applyD1Migrations(env.ANALYTICS_DB, env.TEST_ANALYTICS_MIGRATIONS);
await applyD1Migrations(env.BILLING_DB, env.TEST_BILLING_MIGRATIONS);
await applyD1Migrations(env.WEBHOOKS_DB, env.TEST_WEBHOOKS_MIGRATIONS);
