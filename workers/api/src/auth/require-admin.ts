import { createMiddleware } from "hono/factory";
import { secretsEqual } from "../../../shared/crypto";
import type { AppEnv } from "../app-env";
import { configOf } from "../config";
import { ApiError } from "../http/errors";
import { countAuthFailure, refuseSpentAddressOrThrow } from "../limits/auth-failures";
import { clientAddress } from "../limits/rate-limit";
import { bearerTokenOrThrow } from "./bearer-token";

/** A wrong admin token counts as a failed authentication of the client's address, as a bad API key does. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerTokenOrThrow(c);
  const address = clientAddress(c.req.raw);
  refuseSpentAddressOrThrow(c.env, address);
  if (!(await secretsEqual(token, configOf(c.env).ADMIN_TOKEN))) {
    throw await countAuthFailure(c.env, address, new ApiError("unauthorized", "The admin token is not valid.", undefined, { "www-authenticate": "Bearer" }));
  }
  await next();
});
