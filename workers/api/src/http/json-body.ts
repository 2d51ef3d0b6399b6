import { createMiddleware } from "hono/factory";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env";
import { ApiError } from "./errors";

export const MAX_BODY_BYTES = 64 * 1024;

const JSON_CONTENT_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

/** Refuses bodies over 64 KB with 413 before reading them, by Content-Length or while streaming. */
export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError("payload_too_large", `The body is larger than ${MAX_BODY_BYTES} bytes.`);
  },
});

/**
 * For routes that take a JSON body: 415 for any other content type, 400 for
 * malformed JSON, before validation sees it. The parsed text stays in Hono's
 * body cache, so the validator reads it without a second parse of the stream.
 */
export const requireJsonBody = createMiddleware<AppEnv>(async (c, next) => {
  const contentType = c.req.header("content-type") ?? "";
  if (!JSON_CONTENT_TYPE.test(contentType)) {
    throw new ApiError("unsupported_media_type", "Send the body as application/json.");
  }
  const text = await c.req.text();
  // bodyLimit trusts a Content-Length header when there is one; count what was actually sent.
  if (new TextEncoder().encode(text).byteLength > MAX_BODY_BYTES) {
    throw new ApiError("payload_too_large", `The body is larger than ${MAX_BODY_BYTES} bytes.`);
  }
  if (text.trim() === "") throw ApiError.invalid("The request body is empty; a JSON object is expected.");
  try {
    JSON.parse(text);
  } catch {
    throw ApiError.invalid("The request body is not valid JSON.");
  }
  await next();
});
