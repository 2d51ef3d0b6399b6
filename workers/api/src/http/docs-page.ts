import { Hono } from "hono";
import type { AppEnv } from "../app-env";

/**
 * The rendered API docs. Swagger UI comes from this Worker's own static assets (the pinned
 * swagger-ui-dist, see scripts/lib/docs-assets.mjs), never a CDN: the page shares its origin
 * with the dashboard, so a script from elsewhere could read what the dashboard keeps. The CSP
 * allows scripts from this origin only (the starter is a file, not an inline script); Swagger
 * UI sets style attributes, hence inline styles.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Linkflow API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs-ui/vendor/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs-ui/vendor/swagger-ui-bundle.js"></script>
<script src="/docs-ui/init.js"></script>
</body>
</html>
`;

export const docsRoutes = new Hono<AppEnv>();

docsRoutes.get("/docs", (c) => {
  c.header("content-security-policy", DOCS_CSP);
  c.header("x-content-type-options", "nosniff");
  c.header("referrer-policy", "no-referrer");
  return c.html(DOCS_HTML);
});

// The asset router serves /docs-ui/* before the Worker (run_worker_first); a request that reaches
// the Worker anyway (called directly, as tests do) gets the same files, never a short-link lookup.
docsRoutes.get("/docs-ui/*", (c) => c.env.ASSETS.fetch(c.req.raw));
