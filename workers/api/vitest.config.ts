import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

export default defineProject(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: path.join(root, "wrangler.toml") },
      miniflare: {
        // The ledger's database is the fan-out's; the runner binds it too (same id) only to migrate it.
        d1Databases: { LINKS_DB: "links-test", LEDGER_DB: "ledger-test", ANALYTICS_DB: "analytics-test", BILLING_DB: "billing-test", WEBHOOKS_DB: "webhooks-test" },
        // The click spool (wrangler.toml CLICK_SPOOL): a real local R2 bucket, isolated per test file like D1.
        r2Buckets: { CLICK_SPOOL: "click-spool-test" },
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(path.join(root, "migrations/links")),
          TEST_LEDGER_MIGRATIONS: await readD1Migrations(path.join(root, "migrations/ledger")),
          TEST_ANALYTICS_MIGRATIONS: await readD1Migrations(path.join(root, "migrations/analytics")),
          TEST_BILLING_MIGRATIONS: await readD1Migrations(path.join(root, "migrations/billing")),
          TEST_WEBHOOKS_MIGRATIONS: await readD1Migrations(path.join(root, "migrations/webhooks")),
          ADMIN_TOKEN: "test-admin-token-0123456789",
          VISITOR_HASH_SECRET: "test-visitor-secret-0123456789",
          FEED_TOKEN_SECRET: "test-feed-token-secret-0123456789",
          // The deployment's other names (a custom domain's workers.dev twin): destinations there loop.
          OWN_HOSTS: "lf-alias.test, linkflow-api.acme.workers.dev",
        },
        serviceBindings: { EVENT_RECORDER: "event-recorder", LEDGER: { name: "linkflow-fanout", entrypoint: "Ledger" }, QR: { name: "linkflow-qr", entrypoint: "QrCodes" }, ANALYTICS: { name: "linkflow-analytics", entrypoint: "Stats" }, BILLING: { name: "linkflow-billing", entrypoint: "Usage" }, WEBHOOKS: { name: "linkflow-webhooks", entrypoint: "Webhooks" }, PREVIEW: { name: "linkflow-preview", entrypoint: "Previews" } },
        // Tests hand the qr Worker real envelopes from the outbox, as the fan-out would.
        queueProducers: { TEST_QR_EVENTS: { queueName: "qr-events" }, TEST_ANALYTICS_EVENTS: { queueName: "analytics-events" }, TEST_BILLING_EVENTS: { queueName: "billing-events" }, TEST_PREVIEW_EVENTS: { queueName: "preview-events" } },
        workers: [
          {
            // The real fan-out Worker, bundled by global-setup.ts, for the Ledger RPC.
            // It consumes `delivery-reports` only: the recorder below owns `link-events` and `click-events` in these tests.
            name: "linkflow-fanout",
            modules: true,
            scriptPath: path.join(root, ".wrangler/test-build/fanout.js"),
            compatibilityDate: "2026-11-01",
            d1Databases: { LEDGER_DB: "ledger-test" },
            // The consumers' delivery reports reach the ledger, as in production (the reconciler's tests read them).
            queueConsumers: { "delivery-reports": { maxBatchSize: 100, maxBatchTimeout: 0.05 } },
            queueProducers: {
              LINK_EVENTS: { queueName: "link-events" },
              CLICK_EVENTS: { queueName: "click-events" },
              ANALYTICS_EVENTS: { queueName: "analytics-events" },
              QR_EVENTS: { queueName: "qr-events" },
              BILLING_EVENTS: { queueName: "billing-events" },
              WEBHOOK_EVENTS: { queueName: "webhook-events" },
              DASHBOARD_EVENTS: { queueName: "dashboard-events" },
              PREVIEW_EVENTS: { queueName: "preview-events" },
            },
          },
          {
            // The real qr Worker, bundled by global-setup.ts: consumes `qr-events`, serves QrCodes RPC.
            name: "linkflow-qr",
            modules: true,
            scriptPath: path.join(root, ".wrangler/test-build/qr.js"),
            compatibilityDate: "2026-11-01",
            r2Buckets: { QR_BUCKET: "qr-test" },
            // The api tests' origin (helpers.ts BASE): the api's shortUrl when SHORT_BASE_URL is empty.
            bindings: { SHORT_BASE_URL: "https://lf.test" },
            queueConsumers: { "qr-events": { maxBatchSize: 100, maxBatchTimeout: 0.05 } },
            queueProducers: { DELIVERY_REPORTS: { queueName: "delivery-reports" } },
          },
          {
            // The real analytics and billing Workers, bundled by global-setup.ts: each consumes its
            // queue and serves its RPC; their D1 is shared with the runner by id, only to migrate it.
            name: "linkflow-analytics",
            modules: true,
            scriptPath: path.join(root, ".wrangler/test-build/analytics.js"),
            compatibilityDate: "2026-11-01",
            d1Databases: { ANALYTICS_DB: "analytics-test" },
            queueConsumers: { "analytics-events": { maxBatchSize: 100, maxBatchTimeout: 0.05 } },
            queueProducers: { DELIVERY_REPORTS: { queueName: "delivery-reports" } },
          },
          {
            name: "linkflow-billing",
            modules: true,
            scriptPath: path.join(root, ".wrangler/test-build/billing.js"),
            compatibilityDate: "2026-11-01",
            d1Databases: { BILLING_DB: "billing-test" },
            queueConsumers: { "billing-events": { maxBatchSize: 100, maxBatchTimeout: 0.05 } },
            queueProducers: { DELIVERY_REPORTS: { queueName: "delivery-reports" } },
          },
          {
            // The real webhooks Worker for the /v1/webhooks RPC; its deliveries are tested in its own project.
            name: "linkflow-webhooks",
            modules: true,
            scriptPath: path.join(root, ".wrangler/test-build/webhooks.js"),
            compatibilityDate: "2026-11-01",
            d1Databases: { WEBHOOKS_DB: "webhooks-test" },
            bindings: { WEBHOOK_SECRETS_KEY: "test-webhook-secrets-key-0123456789", WEBHOOKS_ALLOW_LOOPBACK_HTTP: "false", WEBHOOKS_DNS_RESOLVER: "off" },
            queueProducers: { WEBHOOK_DELIVERIES: { queueName: "webhook-deliveries" }, DELIVERY_REPORTS: { queueName: "delivery-reports" } },
          },
          {
            // The real preview Worker: consumes `preview-events`, serves Previews RPC. Every page it
            // fetches is this one (no network in tests); the DNS check is off as on the local stack.
            name: "linkflow-preview",
            modules: true,
            scriptPath: path.join(root, ".wrangler/test-build/preview.js"),
            compatibilityDate: "2026-11-01",
            kvNamespaces: { PREVIEWS: "previews-test" },
            bindings: { PREVIEW_ALLOW_LOOPBACK_HTTP: "false", PREVIEW_DNS_RESOLVER: "off", PREVIEW_FETCH_TIMEOUT_MS: "2000" },
            outboundService: (request: Request) =>
              new Response(`<head><meta property="og:title" content="Page at ${new URL(request.url).pathname}"><meta property="og:image" content="/card.png"></head>`, {
                headers: { "content-type": "text/html" },
              }),
            queueConsumers: { "preview-events": { maxBatchSize: 100, maxBatchTimeout: 0.05 } },
            queueProducers: { DELIVERY_REPORTS: { queueName: "delivery-reports" } },
          },
          {
            name: "event-recorder",
            modules: true,
            scriptPath: path.join(root, "test/support/event-recorder.js"),
            compatibilityDate: "2026-11-01",
            queueConsumers: {
              "link-events": { maxBatchSize: 100, maxBatchTimeout: 0.05 },
              // The click topic: tests read the ClicksRecorded batches the api packed (helpers.ts receivedClickBatches).
              "click-events": { maxBatchSize: 100, maxBatchTimeout: 0.05 },
              // A subscriber queue no consumer Worker reads in these tests: replays are checked on what reaches it.
              "webhook-events": { maxBatchSize: 100, maxBatchTimeout: 0.05 },
            },
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
    globalSetup: ["workers/api/test/global-setup.ts"],
  },
}));
