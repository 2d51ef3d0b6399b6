import path from "node:path";
import { defineProject } from "vitest/config";

// End-to-end: the real multi-Worker `wrangler dev` stack, booted once by global-setup.ts on
// free ports with throwaway state, driven over HTTP only. Files run one after another: one
// stack, two cores.
export default defineProject({
  test: {
    name: "e2e",
    root: path.resolve(import.meta.dirname, "../.."),
    include: ["test/e2e/**/*.e2e.test.ts"],
    environment: "node",
    globalSetup: ["test/e2e/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 180_000,
  },
});
