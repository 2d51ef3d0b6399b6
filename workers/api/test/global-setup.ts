import { ensureDocsAssets } from "../../../scripts/lib/docs-assets.mjs";
import { bundleWorker } from "../../../test/support/build-workers";

export default async function setup(): Promise<void> {
  ensureDocsAssets();
  await bundleWorker("workers/fanout/src/index.ts", "fanout");
  await bundleWorker("workers/consumers/analytics/src/index.ts", "analytics");
  await bundleWorker("workers/consumers/billing/src/index.ts", "billing");
  await bundleWorker("workers/consumers/qr/src/index.ts", "qr");
  await bundleWorker("workers/consumers/webhooks/src/index.ts", "webhooks");
  await bundleWorker("workers/consumers/preview/src/index.ts", "preview");
}
