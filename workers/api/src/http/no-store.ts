import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";

/**
 * API answers carry a team's data (links, stats, secrets shown once): no cache between the
 * client and us may keep them. Set first so every answer has it, errors included; a route with
 * a deliberate policy of its own (the QR code's revalidated `private, no-cache`) overrides it.
 */
export const noStore = createMiddleware<AppEnv>(async (c, next) => {
  c.header("cache-control", "no-store");
  await next();
});
