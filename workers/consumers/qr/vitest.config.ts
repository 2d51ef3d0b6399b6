import path from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../../..");

export default defineProject({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: path.join(root, "workers/consumers/qr/wrangler.toml") },
      miniflare: {
        // A short base unlike the committed dev default, so tests see which one a code used.
        bindings: { SHORT_BASE_URL: "https://qr.test" },
        serviceBindings: { RECORDER: "queue-recorder" },
        workers: [
          {
            // Consumes `delivery-reports` so tests see the outcomes the toolkit reported.
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
    name: "qr",
    root,
    include: ["workers/consumers/qr/test/**/*.test.ts"],
  },
});
