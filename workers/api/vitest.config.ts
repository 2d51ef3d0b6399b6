import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

export default defineProject(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: path.join(root, "wrangler.toml") },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(path.join(root, "migrations/links")),
          ADMIN_TOKEN: "test-admin-token-0123456789",
          VISITOR_HASH_SECRET: "test-visitor-secret-0123456789",
        },
        serviceBindings: { EVENT_RECORDER: "event-recorder" },
        workers: [
          {
            name: "event-recorder",
            modules: true,
            scriptPath: path.join(root, "test/support/event-recorder.js"),
            compatibilityDate: "2026-11-01",
            queueConsumers: { "link-events": { maxBatchSize: 100, maxBatchTimeout: 0.05 } },
          },
        ],
      },
    }),
  ],
  test: {
    name: "api",
    root,
    include: ["workers/api/test/**/*.test.ts"],
    setupFiles: ["workers/api/test/apply-migrations.ts"],
  },
}));
