import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { ApiError } from "./errors";

export const MAX_BODY_BYTES = 64 * 1024;

const JSON_CONTENT_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;

function tooLarge(): ApiError {
  return new ApiError("payload_too_large", `The body is larger than ${MAX_BODY_BYTES} bytes.`);
}

/**
 * Refuses bodies over 64 KB with 413, counting the bytes actually read: a declared
 * Content-Length over the limit is refused unread, but a smaller one (or none, as with chunked
 * transfer) is never trusted. The body is read once, up to the limit, and handed on as bytes.
 */
export const limitBody = createMiddleware<AppEnv>(async (c, next) => {
  const body = c.req.raw.body;
  if (!body) return next();
  const declared = Number(c.req.header("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw tooLarge();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const headers = new Headers(c.req.raw.headers);
  headers.delete("transfer-encoding");
  headers.set("content-length", String(size));
  c.req.raw = new Request(c.req.raw, { body: bytes, headers });
  await next();
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
  // limitBody (on every /v1 route) has counted the bytes already; this is the decoded text.
  const text = await c.req.text();
  if (text.trim() === "") throw ApiError.invalid("The request body is empty; a JSON object is expected.");
  try {
    JSON.parse(text);
  } catch {
    throw ApiError.invalid("The request body is not valid JSON.");
  }
  await next();
});
