// The dashboard page (/dashboard) is plain ES modules in dashboard/src/ plus the pinned uPlot
// package for its charts. esbuild bundles them into one file under the assets directory before
// the api Worker is served or bundled (dev stack, e2e, bench, check, deploy), as
// docs-assets.mjs does for Swagger UI: the output is generated, gitignored, never a CDN.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { buildSync, context } from "esbuild";
import { ROOT } from "./proc.mjs";

export const DASHBOARD_SOURCE_ENTRY = path.join(ROOT, "dashboard/src/app.js");
export const DASHBOARD_BUILD_DIR = path.join(ROOT, "dashboard/public/dashboard/build");
/** What index.html loads, served at /dashboard/build/<file>. */
export const DASHBOARD_BUILD_FILES = ["app.js", "uplot.css"];

/** @returns {import("esbuild").BuildOptions} */
function bundleOptions() {
  return {
    entryPoints: [DASHBOARD_SOURCE_ENTRY],
    outfile: path.join(DASHBOARD_BUILD_DIR, "app.js"),
    bundle: true,
    format: "esm",
    target: "es2022",
    // Minified (zod and uPlot are most of it); the linked source map names our files in stack traces.
    minify: true,
    sourcemap: "linked",
    legalComments: "inline",
    logLevel: "warning",
  };
}

/** uPlot's own stylesheet, copied from the pinned package (resolved like an import). */
function copyUplotCss() {
  const require = createRequire(path.join(ROOT, "package.json"));
  const dist = path.dirname(require.resolve("uplot/dist/uPlot.min.css"));
  copyFileSync(path.join(dist, "uPlot.min.css"), path.join(DASHBOARD_BUILD_DIR, "uplot.css"));
}

/** Bundles the page and copies uPlot's CSS; about a tenth of a second, so run every time. */
export function ensureDashboardAssets() {
  mkdirSync(DASHBOARD_BUILD_DIR, { recursive: true });
  const result = buildSync(bundleOptions());
  if (result.errors.length > 0) throw new Error(`dashboard bundle failed: ${result.errors.map((e) => e.text).join("; ")}`);
  copyUplotCss();
  return { dir: DASHBOARD_BUILD_DIR };
}

/** `npm run dev`: rebuilds the bundle whenever a source file changes (a reload shows it). */
export async function watchDashboardAssets() {
  ensureDashboardAssets();
  const watcher = await context(bundleOptions());
  await watcher.watch();
  return { stop: () => watcher.dispose() };
}
