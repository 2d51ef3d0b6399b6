declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    TEST_LEDGER_MIGRATIONS: import("cloudflare:test").D1Migration[];
    EVENT_RECORDER: Fetcher;
    TEST_QR_EVENTS: Queue;
    LEDGER_DB: D1Database;
  }
  // Types `exports.default` (the Worker under test) for the helpers' loopback calls.
  interface GlobalProps {
    mainModule: typeof import("../src/index");
  }
}
