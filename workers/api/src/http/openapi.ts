import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { BOOKMARK_HEADER } from "./db-session";
import { ApiError, zodIssues } from "./errors";

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_request" }),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi("Error");

export const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: errorSchema } } });

const retryAfter = { description: "Seconds until the limit lets the request through again", schema: { type: "integer" as const, minimum: 1 } };

/** The error answers every authenticated route can give, for the OpenAPI document. */
export const commonErrors = {
  400: errorResponse("invalid_request: the body, query or path is not valid"),
  401: errorResponse("unauthorized: missing or invalid API key"),
  404: errorResponse("not_found"),
  413: errorResponse("payload_too_large: body over 64 KB"),
  415: errorResponse("unsupported_media_type: send application/json"),
  429: {
    ...errorResponse(
      "rate_limited: a limit of README \"Limits\" is spent (the key's requests, the address's failed authentications, or the team's new links a minute)",
    ),
    headers: { "Retry-After": retryAfter },
  },
} as const;

/** The IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers) of every authenticated answer. */
export const RATE_LIMIT_HEADERS = {
  "RateLimit-Policy": {
    description:
      'The limits that apply, as a structured-field list: `"api";q=600;w=60` (q requests per w seconds), and `"links"` on a 429 of the links-a-minute cap, `"auth-failures"` on a failed authentication',
    schema: { type: "string" as const, example: '"api";q=600;w=60' },
  },
  RateLimit: {
    description: 'What is left of each policy: r units (an estimate, see README "Limits"; 0 once refused) until the window resets in t seconds',
    schema: { type: "string" as const, example: '"api";r=599;t=42' },
  },
};

/** The contract of `Linkflow-Bookmark` (http/db-session.ts), once for the document's components. */
const BOOKMARK_DESCRIPTION =
  "A D1 bookmark (opaque, up to 256 printable ASCII characters, no spaces): the database state this request's reads and writes saw. Answered whenever the request queried through its session (otherwise the one sent is echoed). Send back the latest on a later request to read your own writes: a GET or HEAD then reads a copy at least that fresh; writes always start on the primary. A malformed one is refused with 400 invalid_request before anything runs.";

/** The document's shared components for the bookmark: a response header and a request parameter. */
export const BOOKMARK_COMPONENTS = {
  header: {
    description: BOOKMARK_DESCRIPTION,
    schema: { type: "string" as const, maxLength: 256, example: "00000000-0000000c-00000000-00000000000000000000000000000000" },
  },
  parameter: {
    name: BOOKMARK_HEADER,
    in: "header" as const,
    required: false,
    description: BOOKMARK_DESCRIPTION,
    schema: { type: "string" as const, minLength: 1, maxLength: 256, pattern: "^[\\x21-\\x7e]+$" },
  },
};

const BOOKMARK_HEADER_REF = { [BOOKMARK_HEADER]: { $ref: "#/components/headers/LinkflowBookmark" } };
const BOOKMARK_PARAMETER_REF = { $ref: "#/components/parameters/LinkflowBookmark" };

interface DocumentedOperation {
  security?: Record<string, unknown>[];
  parameters?: unknown[];
  responses?: Record<string, { headers?: Record<string, unknown> }>;
}

/**
 * Adds RATE_LIMIT_HEADERS and the `Linkflow-Bookmark` header (a request parameter, and a header
 * of every answer) to every operation secured by an API key: one place instead of every route's
 * response list (routes keep declaring only their bodies). Admin routes run on the primary and
 * carry no bookmark of their own.
 */
export function documentTeamHeaders<T extends { paths?: Record<string, unknown> }>(doc: T): T {
  for (const item of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(item as Record<string, DocumentedOperation>)) {
      if (!operation.security?.some((s) => "apiKey" in s)) continue;
      operation.parameters = [...(operation.parameters ?? []), BOOKMARK_PARAMETER_REF];
      for (const response of Object.values(operation.responses ?? {}))
        response.headers = { ...RATE_LIMIT_HEADERS, ...BOOKMARK_HEADER_REF, ...response.headers };
    }
  }
  return doc;
}

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/**
 * Every router is an OpenAPIHono whose validation failures become our error
 * envelope, so the schemas that validate requests are the ones documented.
 */
export function newRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const where = result.target === "json" ? "" : result.target;
        throw ApiError.invalid("The request is not valid.", zodIssues(result.error, where === "param" ? "" : where));
      }
    },
  });
}

export const bearerSecurity = [{ apiKey: [] }];
export const adminSecurity = [{ adminToken: [] }];
