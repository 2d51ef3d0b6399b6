// How a Worker's sources become the one ES module workerd loads: the same esbuild settings for
// the tests' auxiliary Workers and the bench, so both run the code wrangler would deploy.

/** @type {import("esbuild").BuildOptions} */
export const WORKER_BUNDLE_OPTIONS = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2024",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  external: ["cloudflare:*", "node:*"],
  logLevel: "warning",
};
