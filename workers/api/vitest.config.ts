import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";
import { d1DatabasesOf, stackTestWorker } from "../../test/support/build-workers.ts";
import { ANALYTICS, BILLING, FANOUT, PREVIEW, QR, WEBHOOKS } from "./test/global-setup.ts";

const root = path.resolve(import.meta.dirname, "../..");

// The stack Workers beside the api (bundled by global-setup.ts), each from its wrangler config;
// what these tests change is said where they change it.
const stackWorkers = [
  // The real fan-out, for the Ledger RPC. It consumes `delivery-reports` only, so the consumers'
  // reports reach the ledger as in production (the reconciler's tests read them); the recorder
  // below owns the topics `link-events` and `click-events` in these tests.
  stackTestWorker(FANOUT, { consumes: ["delivery-reports"] }),
  // The real qr Worker: consumes `qr-events`, serves QrCodes RPC. Its SHORT_BASE_URL is the api
  // tests' origin (helpers.ts BASE): the api's shortUrl when its own SHORT_BASE_URL is empty.
  stackTestWorker(QR, { bindings: { SHORT_BASE_URL: "https://lf.test" } }),
  // The real analytics and billing Workers: each consumes its queue and serves its RPC.
  stackTestWorker(ANALYTICS),
  stackTestWorker(BILLING),
  // The real webhooks Worker for the /v1/webhooks RPC; its deliveries are tested in its own
  // project, and the recorder below owns `webhook-events`. A test secret, and no network for DNS.
  stackTestWorker(WEBHOOKS, { consumes: [], bindings: { WEBHOOK_SECRETS_KEY: "test-webhook-secrets-key-0123456789", WEBHOOKS_DNS_RESOLVER: "off" } }),
  // The real preview Worker: consumes `preview-events`, serves Previews RPC. No network here: every
  // destination it fetches is answered by this stand-in page (an og:title naming the path).
  {
    ...stackTestWorker(PREVIEW, { bindings: { PREVIEW_ALLOW_LOOPBACK_HTTP: "false", PREVIEW_DNS_RESOLVER: "off", PREVIEW_FETCH_TIMEOUT_MS: "2000" } }),
    outboundService: (request: Request) =>
      new Response(`<head><meta property="og:title" content="Page at ${new URL(request.url).pathname}"><meta property="og:image" content="/card.png"></head>`, {
        headers: { "content-type": "text/html" },
      }),
  },
];

export default defineProject(async () => ({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: path.join(root, "wrangler.toml") },
      miniflare: {
        // The other Workers' databases are theirs; the runner binds them too (same ids) only to migrate them.
        d1Databases: { LINKS_DB: "links-test", ...d1DatabasesOf(stackWorkers) },
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
        // The other service bindings (LEDGER, QR, ...) are wrangler.toml's, to the Workers below.
        serviceBindings: { EVENT_RECORDER: "event-recorder" },
        // Tests hand the qr Worker real envelopes from the outbox, as the fan-out would.
        queueProducers: {
          TEST_QR_EVENTS: { queueName: "qr-events" },
          TEST_ANALYTICS_EVENTS: { queueName: "analytics-events" },
          TEST_BILLING_EVENTS: { queueName: "billing-events" },
          TEST_PREVIEW_EVENTS: { queueName: "preview-events" },
        },
        workers: [
          ...stackWorkers,
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
