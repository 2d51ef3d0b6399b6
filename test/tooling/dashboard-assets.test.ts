import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DASHBOARD_BUILD_DIR, DASHBOARD_BUILD_FILES, ensureDashboardAssets } from "../../scripts/lib/dashboard-assets.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

describe("the dashboard page's bundle", () => {
  it("is built from dashboard/src with the pinned uPlot, self-contained (no import left for the browser to fetch)", () => {
    const pkg = JSON.parse(read("package.json")) as { dependencies: Record<string, string> };
    expect(pkg.dependencies["uplot"]).toMatch(/^\d+\.\d+\.\d+$/); // exact, no range
    ensureDashboardAssets();
    const bundle = readFileSync(path.join(DASHBOARD_BUILD_DIR, "app.js"), "utf8");
    // Booleans, not the bundle in the failure message: it is half a megabyte on one line.
    expect(/\bimport\s*["'{*]|\bimport\(/.test(bundle), "an import left in the bundle").toBe(false);
    expect(bundle.includes('"uplot"'), "uPlot's root class name in the bundle").toBe(true);
    const css = readFileSync(path.join(DASHBOARD_BUILD_DIR, "uplot.css"), "utf8");
    expect(css).toBe(readFileSync(path.join(root, "node_modules/uplot/dist/uPlot.min.css"), "utf8"));
  });

  it("is what the page loads, from this origin only, under a CSP without inline script or style", () => {
    const page = read("dashboard/public/dashboard/index.html");
    for (const file of DASHBOARD_BUILD_FILES) expect(page).toContain(`/dashboard/build/${file}`);
    const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(sources.filter((s) => !s.startsWith("/dashboard/") && !s.startsWith("#") && s !== "data:,")).toEqual([]);
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(page).not.toMatch(/\sstyle=/); // no inline style attribute
    const headers = read("dashboard/public/_headers");
    expect(headers).toMatch(/Content-Security-Policy: default-src 'self'/);
    expect(headers).not.toContain("unsafe-inline");
    expect(headers).not.toContain("unsafe-eval");
  });
});
