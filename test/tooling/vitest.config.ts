import path from "node:path";
import { defineProject } from "vitest/config";

// Checks that run in Node, not workerd: migrations vs schema, configs, scripts.
export default defineProject({
  test: {
    name: "tooling",
    root: path.resolve(import.meta.dirname, "../.."),
    include: ["test/tooling/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
  },
});
