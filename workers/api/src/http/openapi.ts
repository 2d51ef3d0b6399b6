import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
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

/** The error answers every authenticated route can give, for the OpenAPI document. */
export const commonErrors = {
  400: errorResponse("invalid_request: the body, query or path is not valid"),
  401: errorResponse("unauthorized: missing or invalid API key"),
  404: errorResponse("not_found"),
  413: errorResponse("payload_too_large: body over 64 KB"),
  415: errorResponse("unsupported_media_type: send application/json"),
} as const;

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
