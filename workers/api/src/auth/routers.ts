import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { newRouter } from "../http/openapi";
import { requireAdmin } from "./require-admin";
import { requireTeam } from "./require-team";

/**
 * A router whose every route needs a team's API key, as hono's bearer-auth guards a sub-app:
 * a route is protected by the router it is added to, never by a path list kept elsewhere.
 * Mount it at a prefix of its own (`app.route("/v1/links", linksRoutes)`): its guard covers
 * everything under that prefix, so two guarded routers under one prefix would run it twice;
 * a router that shares a prefix is mounted inside the guarded one instead.
 */
export function teamRouter(): OpenAPIHono<AppEnv> {
  const router = newRouter();
  router.use("*", requireTeam);
  return router;
}

/** A router whose every route needs the admin token; mounted as teamRouter()'s are. */
export function adminRouter(): OpenAPIHono<AppEnv> {
  const router = newRouter();
  router.use("*", requireAdmin);
  return router;
}
