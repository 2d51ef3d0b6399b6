import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

export default defineProject(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: path.join(root, "workers/shared/test/wrangler.toml") },
      miniflare: {
        bindings: { TEST_MIGRATIONS: await readD1Migrations(path.join(root, "workers/shared/test/migrations")) },
        serviceBindings: { RECORDER: "queue-recorder" },
        workers: [
          {
            name: "queue-recorder",
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
    name: "toolkit",
    root,
    include: ["workers/shared/test/**/*.test.ts"],
    setupFiles: ["workers/shared/test/apply-migrations.ts"],
  },
}));
