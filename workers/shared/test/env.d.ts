declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    TOOLKIT_DB: D1Database;
    DELIVERY_REPORTS: Queue;
    RECORDER: Fetcher;
  }
}
