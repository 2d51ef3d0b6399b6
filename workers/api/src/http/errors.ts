import type { Context } from "hono";
import type { HTTPResponseError } from "hono/types";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type { TracedEnv } from "../app-env";

/** The one code → status map of API.md "Errors". */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  quota_exceeded: 402,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upgrade_required: 426,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorIssue {
  path: string;
  message: string;
}

/** The one exception type: it carries everything its response needs. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ErrorIssue[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }

  /** The same error with more response headers (e.g. RateLimit on an error after authentication). */
  withHeaders(headers: Record<string, string>): ApiError {
    return new ApiError(this.code, this.message, this.issues, { ...this.headers, ...headers });
  }

  static invalid(message: string, issues?: ErrorIssue[]): ApiError {
    return new ApiError("invalid_request", message, issues);
  }

  static fromZod(error: z.ZodError, prefix?: string): ApiError {
    return ApiError.invalid("The request is not valid.", zodIssues(error, prefix));
  }

  static notFound(what: string): ApiError {
    return new ApiError("not_found", `${what} not found.`);
  }
}

export function zodIssues(error: z.ZodError, prefix?: string): ErrorIssue[] {
  return error.issues.slice(0, 50).map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== "").join(".");
    return { path, message: issue.message };
  });
}

export function errorBody(code: ErrorCode, message: string, issues?: ErrorIssue[]) {
  return { error: issues && issues.length > 0 ? { code, message, issues } : { code, message } };
}

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_STATUS, code);
}

const statusToCode = new Map<number, ErrorCode>(Object.entries(ERROR_STATUS).flatMap(([code, status]) => (isErrorCode(code) ? [[status, code] as const] : [])));

/**
 * The one error handler. Client mistakes keep their 4xx; anything unknown is
 * logged with the trace id and answered as a plain `internal` 500, never a stack. Generic over the
 * app (the api's or the edge's): it only needs the trace id.
 */
export const handleError = <E extends TracedEnv>(err: Error | HTTPResponseError, c: Context<E>): Response => {
  if (err instanceof ApiError) {
    for (const [name, value] of Object.entries(err.headers ?? {})) c.header(name, value);
    return c.json(errorBody(err.code, err.message, err.issues), err.status);
  }
  if (err instanceof HTTPException && err.status < 500) {
    const code = statusToCode.get(err.status) ?? "invalid_request";
    return c.json(errorBody(code, err.message || "The request is not valid."), ERROR_STATUS[code]);
  }
  console.error(
    JSON.stringify({
      level: "error",
      msg: "unhandled error",
      // Unset when the error came before traceContext ran, whatever the type says.
      traceId: c.get("traceId") ?? null,
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      error: { name: err.name, message: err.message, stack: err.stack },
    }),
  );
  return c.json(errorBody("internal", "Something went wrong on our side."), 500);
};

export const handleNotFound = <E extends TracedEnv>(c: Context<E>): Response => c.json(errorBody("not_found", "No such route."), 404);
