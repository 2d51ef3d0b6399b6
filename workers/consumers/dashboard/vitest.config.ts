import path from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../../..");

export default defineProject({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: path.join(root, "workers/consumers/dashboard/wrangler.toml") },
      miniflare: {
        serviceBindings: { RECORDER: "report-recorder" },
        workers: [
          {
            // The real api Worker, bundled by test/global-setup.ts: the host of TeamFeed, which
            // this Worker's TEAM_FEED binds by script_name. Only the object is used here.
            name: "linkflow-api",
            modules: true,
            scriptPath: path.join(root, ".wrangler/test-build/api.js"),
            compatibilityDate: "2026-11-01",
            durableObjects: { TEAM_FEED: { className: "TeamFeed", useSQLite: true } },
          },
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
    name: "dashboard",
    root,
    include: ["workers/consumers/dashboard/test/**/*.test.ts"],
    globalSetup: ["workers/consumers/dashboard/test/global-setup.ts"],
  },
});
