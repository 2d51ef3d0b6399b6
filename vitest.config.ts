import { defineConfig } from "vitest/config";

// One project per Worker (each boots its own workerd), plus Node-side tooling checks.
export default defineConfig({
  test: {
    projects: [
      "workers/api/vitest.config.ts",
      "workers/fanout/vitest.config.ts",
      "workers/consumers/analytics/vitest.config.ts",
      "workers/consumers/billing/vitest.config.ts",
      "workers/consumers/webhooks/vitest.config.ts",
      "workers/consumers/dashboard/vitest.config.ts",
      "workers/consumers/qr/vitest.config.ts",
      "workers/consumers/preview/vitest.config.ts",
      "workers/consumers/redirects/vitest.config.ts",
      "workers/shared/vitest.config.ts",
      "test/tooling/vitest.config.ts",
      "test/e2e/vitest.config.ts",
    ],
  },
});
