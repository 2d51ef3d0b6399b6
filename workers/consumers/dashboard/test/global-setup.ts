import { bundleWorker } from "../../../../test/support/build-workers";

export default async function setup(): Promise<void> {
  await bundleWorker("workers/api/src/index.ts", "api");
}
