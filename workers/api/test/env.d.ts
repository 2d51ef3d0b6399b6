declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    TEST_LEDGER_MIGRATIONS: import("cloudflare:test").D1Migration[];
    TEST_ANALYTICS_MIGRATIONS: import("cloudflare:test").D1Migration[];
    TEST_BILLING_MIGRATIONS: import("cloudflare:test").D1Migration[];
    TEST_WEBHOOKS_MIGRATIONS: import("cloudflare:test").D1Migration[];
    WEBHOOKS_DB: D1Database;
    TEST_ANALYTICS_EVENTS: Queue;
    TEST_BILLING_EVENTS: Queue;
    EVENT_RECORDER: Fetcher;
    TEST_QR_EVENTS: Queue;
    TEST_PREVIEW_EVENTS: Queue;
    LEDGER_DB: D1Database;
  }
  // Types `exports.default` (the Worker under test) for the helpers' loopback calls.
  interface GlobalProps {
    mainModule: typeof import("../src/index");
  }
}
