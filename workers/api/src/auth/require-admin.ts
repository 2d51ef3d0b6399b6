import { createMiddleware } from "hono/factory";
import { secretsEqual } from "../../../shared/crypto";
import type { AppEnv } from "../app-env";
import { configOf } from "../config";
import { ApiError } from "../http/errors";
import { bearerTokenOrThrow } from "./bearer-token";

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerTokenOrThrow(c);
  if (!(await secretsEqual(token, configOf(c.env).ADMIN_TOKEN))) {
    throw new ApiError("unauthorized", "The admin token is not valid.", undefined, { "www-authenticate": "Bearer" });
  }
  await next();
});
