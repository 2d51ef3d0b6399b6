import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");
const subscriberQueues = ["analytics-events", "qr-events", "billing-events", "webhook-events", "dashboard-events", "preview-events"];

export default defineProject(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: path.join(root, "workers/fanout/wrangler.toml") },
      miniflare: {
        bindings: { TEST_MIGRATIONS: await readD1Migrations(path.join(root, "migrations/ledger")) },
        serviceBindings: { RECORDER: "queue-recorder" },
        workers: [
          {
            // Consumes every subscriber queue so tests see what the fan-out published (the topic stays the fan-out's own).
            name: "queue-recorder",
            modules: true,
            scriptPath: path.join(root, "test/support/event-recorder.js"),
            compatibilityDate: "2026-11-01",
            queueConsumers: Object.fromEntries(subscriberQueues.map((q) => [q, { maxBatchSize: 100, maxBatchTimeout: 0.05 }])),
          },
        ],
      },
    }),
  ],
  test: {
    name: "fanout",
    root,
    include: ["workers/fanout/test/**/*.test.ts"],
    setupFiles: ["workers/fanout/test/apply-migrations.ts"],
  },
}));
