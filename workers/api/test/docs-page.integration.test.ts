import { describe, expect, it } from "vitest";
import { api } from "./helpers";

// Issue 11.8: /docs loaded an unpinned swagger-ui from a CDN (no SRI, no CSP) on the origin
// where the dashboard keeps an API key.
describe("GET /docs", () => {
  it("loads Swagger UI from this origin only, under a CSP that allows no other script", async () => {
    const res = await api("/docs");
    expect(res.status).toBe(200);
    const html = await res.text();
    const sources = [...html.matchAll(/<(?:script[^>]+src|link rel="stylesheet"[^>]+href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(["/docs-ui/vendor/swagger-ui.css", "/docs-ui/vendor/swagger-ui-bundle.js", "/docs-ui/init.js"]);
    expect(html).not.toMatch(/cdn|jsdelivr|unpkg|https?:\/\//i);
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*(unsafe-inline|unsafe-eval|\*|https?:)/);
  });

  it("serves the pinned Swagger UI files and the starter from the Worker's own assets", async () => {
    for (const [path, type] of [
      ["/docs-ui/vendor/swagger-ui-bundle.js", /javascript/],
      ["/docs-ui/vendor/swagger-ui.css", /css/],
      ["/docs-ui/init.js", /javascript/],
    ] as const) {
      const res = await api(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(type);
      expect((await res.text()).length, path).toBeGreaterThan(100);
    }
    expect(await (await api("/docs-ui/init.js")).text()).toContain('url: "/openapi.json"');
  });
});
