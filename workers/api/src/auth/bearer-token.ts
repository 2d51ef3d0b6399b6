import type { Context } from "hono";
import { ApiError } from "../http/errors";

export function bearerTokenOrThrow(c: Context): string {
  const header = c.req.header("authorization");
  const match = header ? /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header.trim()) : null;
  if (!match?.[1]) {
    throw new ApiError("unauthorized", "Send `Authorization: Bearer <apiKey>`.", undefined, { "www-authenticate": "Bearer" });
  }
  return match[1];
}
