import { Hono } from "hono";
import type { AppEnv } from "../app-env";

export const dashboardRoutes = new Hono<AppEnv>();

// The asset router serves /dashboard itself before the Worker runs (wrangler.toml's
// run_worker_first leaves it out). A request that reaches the Worker anyway — called
// directly, as the tests do — gets the same files rather than a short-link lookup.
dashboardRoutes.get("/dashboard", (c) => c.env.ASSETS.fetch(c.req.raw));
dashboardRoutes.get("/dashboard/*", (c) => c.env.ASSETS.fetch(c.req.raw));
