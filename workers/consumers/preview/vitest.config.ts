import path from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";
import { origin, requestedLog } from "./test/origin";

const root = path.resolve(import.meta.dirname, "../../..");

export default defineProject({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: path.join(root, "workers/consumers/preview/wrangler.toml") },
      miniflare: {
        // The production policy (no loopback), with the test's DoH resolver and a short timeout.
        bindings: { PREVIEW_DNS_RESOLVER: "https://dns.test/dns-query", PREVIEW_FETCH_TIMEOUT_MS: "1000" },
        // Every page fetch (and DNS question) is answered by test/origin.ts.
        outboundService: origin,
        serviceBindings: { RECORDER: "queue-recorder", REQUESTED: requestedLog },
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
    name: "preview",
    root,
    include: ["workers/consumers/preview/test/**/*.test.ts"],
  },
});
