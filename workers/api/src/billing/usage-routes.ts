import { createRoute, z } from "@hono/zod-openapi";
import { periodSchema } from "#contracts/billing/plans";
import { teamRouter } from "../auth/routers";
import { bearerSecurity, commonErrors, jsonContent } from "../http/openapi";
import { rpcValueOrThrow } from "../http/rpc-value";

/** /v1/usage, answered by the billing Worker over RPC (its `Usage` entrypoint). */
export const usageRoutes = teamRouter();

const usageSchema = z
  .object({
    plan: z.enum(["free", "pro"]),
    period: z.string().openapi({ example: "2026-11" }),
    linksCreated: z.number().int().openapi({ description: "Links created in the period, as billing has counted them from LinkCreated" }),
    linkLimit: z.number().int(),
  })
  .openapi("Usage");

usageRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["Usage"],
    security: bearerSecurity,
    request: { query: z.strictObject({ period: periodSchema.optional().openapi({ description: "A UTC month YYYY-MM; default: the current one" }) }) },
    responses: { 200: jsonContent(usageSchema, "The team's plan and its links created in the month"), ...commonErrors },
  }),
  async (c) => {
    const { period } = c.req.valid("query");
    return c.json(rpcValueOrThrow(await c.env.BILLING.forTeam({ teamId: c.get("team").id, ...(period ? { period } : {}) })), 200);
  },
);
