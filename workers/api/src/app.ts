import { OpenAPIHono } from "@hono/zod-openapi";
import { adminEventsRoutes } from "./admin/events-admin-routes";
import { adminTeamsRoutes } from "./admin/teams-routes";
import { statsRoutes } from "./analytics/stats-routes";
import type { AppEnv } from "./app-env";
import { requireAdmin } from "./auth/require-admin";
import { requireTeam } from "./auth/require-team";
import { webhooksRoutes } from "./webhooks/webhooks-routes";
import { usageRoutes } from "./billing/usage-routes";
import { dashboardRoutes } from "./dashboard/dashboard-routes";
import { linksDb } from "./db";
import { eventsRoutes } from "./events/events-routes";
import { feedRoutes } from "./feed/feed-routes";
import { docsRoutes } from "./http/docs-page";
import { handleError, handleNotFound } from "./http/errors";
import { limitBody } from "./http/json-body";
import { noStore } from "./http/no-store";
import { documentRateLimitHeaders } from "./http/openapi";
import { traceContext } from "./http/trace-context";
import { linksRoutes } from "./links/links-routes";
import { previewRoutes } from "./preview/preview-routes";
import { qrRoutes } from "./qr/qr-routes";
import { redirectRoutes } from "./redirect/redirect-routes";

/** Wires the Worker together; every route and rule lives in its own module. */
export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.onError(handleError);
  app.notFound(handleNotFound);
  app.use("*", traceContext);
  app.use("*", async (c, next) => {
    c.set("db", linksDb(c.env.LINKS_DB));
    await next();
  });
  app.use("/v1/*", noStore);
  app.use("/v1/*", limitBody);

  app.get("/healthz", (c) => c.json({ ok: true }));

  app.use("/v1/admin/*", requireAdmin);
  app.route("/v1/admin", adminTeamsRoutes);
  app.route("/v1/admin", adminEventsRoutes);

  for (const path of ["/v1/links", "/v1/links/*", "/v1/events", "/v1/events/*"]) app.use(path, requireTeam);
  app.route("/v1", linksRoutes);
  app.route("/v1", qrRoutes);
  app.route("/v1", previewRoutes);
  app.route("/v1", eventsRoutes);
  // /v1/links/:id/stats is under /v1/links/* above.
  for (const path of ["/v1/stats", "/v1/usage"]) app.use(path, requireTeam);
  app.route("/v1", statsRoutes);
  app.route("/v1", usageRoutes);
  for (const path of ["/v1/webhooks", "/v1/webhooks/*"]) app.use(path, requireTeam);
  app.route("/v1", webhooksRoutes);
  app.use("/v1/feed/token", requireTeam);
  app.route("/v1", feedRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", { type: "http", scheme: "bearer", description: "A team API key, lf_..." });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer", description: "The ADMIN_TOKEN secret" });
  app.get("/openapi.json", (c) =>
    c.json(
      documentRateLimitHeaders(
        app.getOpenAPI31Document({
          openapi: "3.1.0",
          info: { title: "Linkflow API", version: "1.0.0", description: "Short links with every change published as an event." },
          servers: [{ url: new URL(c.req.url).origin }],
        }),
      ),
    ),
  );
  app.route("/", docsRoutes);

  app.route("/", dashboardRoutes);

  // Last of all, every other single path segment is a short link.
  app.route("/", redirectRoutes);
  return app;
}
