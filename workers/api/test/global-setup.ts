import { ensureDocsAssets } from "../../../scripts/lib/docs-assets.mjs";
import { bundleStackWorker } from "../../../test/support/build-workers.ts";

// The stack Workers the api's test project runs beside it (vitest.config.ts), by wrangler config.
export const FANOUT = "workers/fanout/wrangler.toml";
export const QR = "workers/consumers/qr/wrangler.toml";
export const ANALYTICS = "workers/consumers/analytics/wrangler.toml";
export const BILLING = "workers/consumers/billing/wrangler.toml";
export const WEBHOOKS = "workers/consumers/webhooks/wrangler.toml";
export const PREVIEW = "workers/consumers/preview/wrangler.toml";

export default async function setup(): Promise<void> {
  ensureDocsAssets();
  for (const config of [FANOUT, QR, ANALYTICS, BILLING, WEBHOOKS, PREVIEW]) await bundleStackWorker(config);
}
