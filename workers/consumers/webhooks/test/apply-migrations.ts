import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.WEBHOOKS_DB, env.TEST_MIGRATIONS);
