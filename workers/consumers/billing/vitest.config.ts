import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../../..");

export default defineProject(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: path.join(root, "workers/consumers/billing/wrangler.toml") },
      miniflare: {
        bindings: { TEST_MIGRATIONS: await readD1Migrations(path.join(root, "migrations/billing")) },
        serviceBindings: { RECORDER: "report-recorder" },
        workers: [
          {
            // Consumes `delivery-reports` (the fan-out's job in the stack) so tests see what this consumer reported.
            name: "report-recorder",
            modules: true,
            scriptPath: path.join(root, "test/support/event-recorder.js"),
            compatibilityDate: "2026-11-01",
            queueConsumers: { "delivery-reports": { maxBatchSize: 100, maxBatchTimeout: 0.05 } },
          },
        ],
      },
    }),
  ],
  test: {
    name: "billing",
    root,
    include: ["workers/consumers/billing/test/**/*.test.ts"],
    setupFiles: ["workers/consumers/billing/test/apply-migrations.ts"],
  },
}));
