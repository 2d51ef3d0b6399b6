import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";
import { outbound, receivedLog } from "./test/outbound";

const root = path.resolve(import.meta.dirname, "../../..");

export default defineProject(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: path.join(root, "workers/consumers/webhooks/wrangler.toml") },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(path.join(root, "migrations/webhooks")),
          WEBHOOK_SECRETS_KEY: "test-webhook-secrets-key-0123456789",
          WEBHOOKS_DNS_RESOLVER: "https://dns.test/dns-query",
          WEBHOOKS_DISABLE_AFTER_FAILURES: "4",
        },
        // Outbound HTTP of the endpoints (and the DoH resolver) is answered by the test.
        outboundService: outbound,
        serviceBindings: { RECORDER: "report-recorder", RECEIVED: receivedLog },
        workers: [
          {
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
    name: "webhooks",
    root,
    include: ["workers/consumers/webhooks/test/**/*.test.ts"],
    setupFiles: ["workers/consumers/webhooks/test/apply-migrations.ts"],
    // Retries go through the real queue with real (1 s) delays.
    testTimeout: 30_000,
  },
}));
