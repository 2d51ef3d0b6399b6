import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DOCS_VENDOR_DIR, DOCS_VENDOR_FILES, ensureDocsAssets, swaggerUiDistDir } from "../../scripts/lib/docs-assets.mjs";

const root = path.resolve(import.meta.dirname, "../..");

describe("the docs page's Swagger UI", () => {
  it("is the exact swagger-ui-dist version package.json pins, copied byte for byte", () => {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const pinned = pkg.dependencies["swagger-ui-dist"];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/); // exact, no range
    expect(ensureDocsAssets().version).toBe(pinned);
    for (const file of DOCS_VENDOR_FILES) {
      expect(readFileSync(path.join(DOCS_VENDOR_DIR, file)).equals(readFileSync(path.join(swaggerUiDistDir(), file))), file).toBe(true);
    }
  });

  it("is never loaded from another origin", () => {
    const page = readFileSync(path.join(root, "workers/api/src/http/docs-page.ts"), "utf8");
    expect(page).not.toMatch(/https?:\/\//i);
    const toml = readFileSync(path.join(root, "wrangler.toml"), "utf8");
    expect(toml).toMatch(/run_worker_first = \[[^\]]*"!\/docs-ui\/\*"/);
  });
});
