// The API docs page (/docs) runs Swagger UI from the Worker's own static assets: the files of
// the pinned swagger-ui-dist package (package-lock.json), copied into the assets directory
// before anything serves or bundles it (dev stack, e2e, bench, check, deploy). Never a CDN:
// the docs share an origin with the dashboard, which holds an API key.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ROOT } from "./proc.mjs";

/** What /docs loads, served at /docs-ui/vendor/<file>. */
export const DOCS_VENDOR_FILES = ["swagger-ui-bundle.js", "swagger-ui.css"];
export const DOCS_VENDOR_DIR = path.join(ROOT, "dashboard/public/docs-ui/vendor");

/** The installed swagger-ui-dist folder (resolved like an import, so hoisting does not matter). */
export function swaggerUiDistDir() {
  const require = createRequire(path.join(ROOT, "package.json"));
  return path.dirname(require.resolve("swagger-ui-dist/package.json"));
}

/** Copies the pinned package's files into the assets directory; cheap enough to run every time. */
export function ensureDocsAssets() {
  const source = swaggerUiDistDir();
  mkdirSync(DOCS_VENDOR_DIR, { recursive: true });
  for (const file of DOCS_VENDOR_FILES) copyFileSync(path.join(source, file), path.join(DOCS_VENDOR_DIR, file));
  const { version } = JSON.parse(readFileSync(path.join(source, "package.json"), "utf8"));
  return { version, dir: DOCS_VENDOR_DIR };
}
