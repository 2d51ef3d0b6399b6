import { OpenAPIHono } from "@hono/zod-openapi";
import { adminRoutes } from "./admin/admin-routes";
import { teamStatsRoutes } from "./analytics/stats-routes";
import type { AppEnv } from "./app-env";
import { usageRoutes } from "./billing/usage-routes";
import { dashboardRoutes } from "./dashboard/dashboard-routes";
import { linksDb } from "./db";
import { eventsRoutes } from "./events/events-routes";
import { feedRoutes, feedTokenRoutes } from "./feed/feed-routes";
import { dbSession } from "./http/db-session";
import { docsRoutes } from "./http/docs-page";
import { handleError, handleNotFound } from "./http/errors";
import { limitBody } from "./http/json-body";
import { noStore } from "./http/no-store";
import { BOOKMARK_COMPONENTS, documentTeamHeaders } from "./http/openapi";
import { traceContext } from "./http/trace-context";
import { linksRoutes } from "./links/links-routes";
import { redirectRoutes } from "./redirect/redirect-routes";
import { webhooksRoutes } from "./webhooks/webhooks-routes";

/** Wires the Worker together; every route and rule lives in its own module. */
export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.onError(handleError);
  app.notFound(handleNotFound);
  app.use("*", traceContext);
  // Two handles on the links database (AppEnv documents who uses which): `db`, the primary, on
  // every path (the redirect's among them); `session`, the request's D1 session, under /v1.
  app.use("*", async (c, next) => {
    c.set("db", linksDb(c.env.LINKS_DB));
    await next();
  });
  app.use("/v1/*", noStore);
  app.use("/v1/*", limitBody);
  app.use("/v1/*", dbSession);

  app.get("/healthz", (c) => c.json({ ok: true }));

  // Each router guards itself (teamRouter, adminRouter): mounted at a prefix of its own, its guard
  // covers everything under it. Mounted after noStore, limitBody and dbSession, which therefore
  // run first: a refused key's answer is no-store too, and an oversized body or a malformed
  // bookmark is refused before any key lookup.
  app.route("/v1/admin", adminRoutes);
  app.route("/v1/links", linksRoutes);
  app.route("/v1/events", eventsRoutes);
  app.route("/v1/stats", teamStatsRoutes);
  app.route("/v1/usage", usageRoutes);
  app.route("/v1/webhooks", webhooksRoutes);
  app.route("/v1/feed/token", feedTokenRoutes);
  app.route("/v1/feed", feedRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", { type: "http", scheme: "bearer", description: "A team API key, lf_..." });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer", description: "The ADMIN_TOKEN secret" });
  app.openAPIRegistry.registerComponent("headers", "LinkflowBookmark", BOOKMARK_COMPONENTS.header);
  app.openAPIRegistry.registerComponent("parameters", "LinkflowBookmark", BOOKMARK_COMPONENTS.parameter);
  app.get("/openapi.json", (c) =>
    c.json(
      documentTeamHeaders(
        app.getOpenAPI31Document({
          openapi: "3.1.0",
          info: {
            title: "Linkflow API",
            version: "1.0.0",
            description:
              'Short links with every change published as an event. Team reads may be served by a D1 read replica: send back the `Linkflow-Bookmark` of an answer to read your own writes (README "Read replicas and read-your-writes").',
          },
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
