import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { PUBLIC_EVENTS } from "#contracts/webhooks/endpoints";
import { teamRouter } from "../auth/routers";
import { decodeCursorOrThrow, encodeCursor } from "../http/cursor";
import { ApiError } from "../http/errors";
import { requireJsonBody } from "../http/json-body";
import { rpcValueOrThrow } from "../http/rpc-value";
import { ID_PATTERN } from "../../../shared/ids";
import { bearerSecurity, commonErrors, errorResponse, jsonContent } from "../http/openapi";
import { limitsOf, PLAN_LIMITS } from "../limits/plan-limits";
import { consumeOrThrow, RATE_LIMIT_RULES } from "../limits/rate-limit";

/** /v1/webhooks: Standard Webhooks endpoints, served by the webhooks Worker over RPC. */
export const webhooksRoutes = teamRouter();

const ENDPOINT_ID = ID_PATTERN.whk;
const DELIVERY_ID = ID_PATTERN.dlv;

const events = z
  .array(z.enum(PUBLIC_EVENTS))
  .min(1)
  .openapi({ example: ["link.created", "link.clicked"] });
const createSchema = z.strictObject({ url: z.string().min(1).max(2048), events, description: z.string().max(500).optional() }).openapi("CreateWebhook");
const updateSchema = z
  .strictObject({
    url: z.string().min(1).max(2048).optional(),
    events: events.optional(),
    description: z.string().max(500).nullable().optional(),
    enabled: z.boolean().optional(),
    receiverOptOutAcknowledged: z.literal(true).optional().openapi({
      description:
        'Only with `enabled: true`. Required to enable an endpoint whose receiver disabled it by answering 410 Gone (`disabledBy: "receiver"`); without it that change answers 409 `conflict`.',
    }),
  })
  .openapi("UpdateWebhook");
const endpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().openapi({ description: "Why the endpoint is disabled; null while enabled." }),
    disabledAt: z.string().nullable().openapi({ description: "When the endpoint was disabled (ISO-8601); null while enabled." }),
    disabledBy: z.enum(["receiver", "failures", "team"]).nullable().openapi({
      description:
        "Who disabled it: `receiver` (it answered 410 Gone; re-enabling needs `receiverOptOutAcknowledged: true`), `failures` (deliveries kept failing) or `team` (a PATCH); null while enabled.",
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("WebhookEndpoint");
const deliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(["pending", "retrying", "delivered", "failed"]),
    attempts: z.number().int(),
    responseStatus: z.number().int().nullable(),
    responseExcerpt: z.string().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("WebhookDelivery");
const attemptSchema = z
  .object({ attempt: z.number().int(), attemptedAt: z.string(), responseStatus: z.number().int().nullable(), error: z.string().nullable() })
  .openapi("WebhookDeliveryAttempt");
const idParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) });
const deliveryParams = idParam.extend({ deliveryId: z.string().openapi({ param: { name: "deliveryId", in: "path" } }) });
const pageQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(200).optional() });

function endpointIdOrThrow(id: string): string {
  if (!ENDPOINT_ID.test(id)) throw ApiError.notFound("Webhook endpoint");
  return id;
}

function deliveryIdOrThrow(id: string): string {
  if (!DELIVERY_ID.test(id)) throw ApiError.notFound("Delivery");
  return id;
}

/**
 * Test sends and redeliveries make this service POST to a URL of the team's choosing:
 * counted per team (RL_WEBHOOK_ACTIONS), before the webhooks Worker queues anything.
 */
function consumeWebhookActionOrThrow(c: Context<AppEnv>): Promise<void> {
  return consumeOrThrow(c.env.RL_WEBHOOK_ACTIONS, RATE_LIMIT_RULES.RL_WEBHOOK_ACTIONS, c.get("team").id, "webhook tests and redeliveries");
}

const actionErrors = {
  ...commonErrors,
  429: errorResponse(
    `rate_limited: over the team's ${RATE_LIMIT_RULES.RL_WEBHOOK_ACTIONS.limit} webhook tests and redeliveries a minute, with \`Retry-After\``,
  ),
};

const meta = { tags: ["Webhooks"], security: bearerSecurity };

webhooksRoutes.openapi(
  createRoute({
    ...meta,
    method: "post",
    path: "/",
    middleware: [requireJsonBody],
    request: { body: { required: true, content: { "application/json": { schema: createSchema } } } },
    responses: {
      201: jsonContent(endpointSchema.extend({ secret: z.string().openapi({ example: "whsec_..." }) }), "The endpoint and its signing secret (shown once)"),
      402: errorResponse(
        `quota_exceeded: the team has as many endpoints as its plan allows (free ${PLAN_LIMITS.free.webhookEndpoints}, pro ${PLAN_LIMITS.pro.webhookEndpoints})`,
      ),
      ...commonErrors,
    },
  }),
  async (c) => {
    const team = c.get("team");
    return c.json(
      rpcValueOrThrow(await c.env.WEBHOOKS.create({ teamId: team.id, ...c.req.valid("json"), maxEndpoints: limitsOf(team.plan).webhookEndpoints })),
      201,
    );
  },
);

webhooksRoutes.openapi(
  createRoute({
    ...meta,
    method: "get",
    path: "/",
    request: { query: pageQuery },
    responses: { 200: jsonContent(z.object({ data: z.array(endpointSchema), nextCursor: z.string().nullable() }), "The team's endpoints"), ...commonErrors },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const page = rpcValueOrThrow(
      await c.env.WEBHOOKS.list({ teamId: c.get("team").id, limit, afterId: cursor === undefined ? undefined : decodeCursorOrThrow(cursor, ENDPOINT_ID) }),
    );
    return c.json({ data: page.data, nextCursor: page.nextAfterId ? encodeCursor(page.nextAfterId) : null }, 200);
  },
);

webhooksRoutes.openapi(
  createRoute({
    ...meta,
    method: "get",
    path: "/{id}",
    request: { params: idParam },
    responses: { 200: jsonContent(endpointSchema, "The endpoint"), ...commonErrors },
  }),
  async (c) => c.json(rpcValueOrThrow(await c.env.WEBHOOKS.get({ teamId: c.get("team").id, endpointId: endpointIdOrThrow(c.req.valid("param").id) })), 200),
);

webhooksRoutes.openapi(
  createRoute({
    ...meta,
    method: "patch",
    path: "/{id}",
    middleware: [requireJsonBody],
    request: { params: idParam, body: { required: true, content: { "application/json": { schema: updateSchema } } } },
    responses: {
      200: jsonContent(endpointSchema, "The changed endpoint"),
      409: errorResponse("conflict: enabling an endpoint its receiver disabled (410 Gone) without `receiverOptOutAcknowledged: true`"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const endpointId = endpointIdOrThrow(c.req.valid("param").id);
    return c.json(rpcValueOrThrow(await c.env.WEBHOOKS.update({ teamId: c.get("team").id, endpointId, changes: c.req.valid("json") })), 200);
  },
);

webhooksRoutes.openapi(
  createRoute({ ...meta, method: "delete", path: "/{id}", request: { params: idParam }, responses: { 204: { description: "Removed" }, ...commonErrors } }),
  async (c) => {
    rpcValueOrThrow(await c.env.WEBHOOKS.remove({ teamId: c.get("team").id, endpointId: endpointIdOrThrow(c.req.valid("param").id) }));
    return c.body(null, 204);
  },
);

webhooksRoutes.openapi(
  createRoute({
    ...meta,
    method: "post",
    path: "/{id}/rotate-secret",
    request: { params: idParam },
    responses: { 200: jsonContent(z.object({ secret: z.string() }), "The new secret; the old one still signs for 24 h"), ...commonErrors },
  }),
  async (c) =>
    c.json(rpcValueOrThrow(await c.env.WEBHOOKS.rotateSecret({ teamId: c.get("team").id, endpointId: endpointIdOrThrow(c.req.valid("param").id) })), 200),
);

webhooksRoutes.openapi(
  createRoute({
    ...meta,
    method: "post",
    path: "/{id}/test",
    request: { params: idParam },
    responses: {
      202: jsonContent(z.object({ deliveryId: z.string(), eventId: z.string() }), "A webhook.test event is on its way"),
      409: errorResponse("conflict: the endpoint is disabled"),
      ...actionErrors,
    },
  }),
  async (c) => {
    const endpointId = endpointIdOrThrow(c.req.valid("param").id);
    await consumeWebhookActionOrThrow(c);
    return c.json(rpcValueOrThrow(await c.env.WEBHOOKS.sendTest({ teamId: c.get("team").id, endpointId })), 202);
  },
);

webhooksRoutes.openapi(
  createRoute({
    ...meta,
    method: "get",
    path: "/{id}/deliveries",
    request: { params: idParam, query: pageQuery },
    responses: {
      200: jsonContent(z.object({ data: z.array(deliverySchema), nextCursor: z.string().nullable() }), "The delivery log, newest first"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const page = rpcValueOrThrow(
      await c.env.WEBHOOKS.deliveries({
        teamId: c.get("team").id,
        endpointId: endpointIdOrThrow(c.req.valid("param").id),
        limit,
        beforeId: cursor === undefined ? undefined : decodeCursorOrThrow(cursor, DELIVERY_ID),
      }),
    );
    return c.json({ data: page.data, nextCursor: page.nextBeforeId ? encodeCursor(page.nextBeforeId) : null }, 200);
  },
);

webhooksRoutes.openapi(
  createRoute({
    ...meta,
    method: "get",
    path: "/{id}/deliveries/{deliveryId}",
    request: { params: deliveryParams },
    responses: {
      200: jsonContent(deliverySchema.extend({ attemptLog: z.array(attemptSchema) }), "One delivery and every attempt made of it, oldest first"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const { id, deliveryId } = c.req.valid("param");
    return c.json(
      rpcValueOrThrow(
        await c.env.WEBHOOKS.delivery({ teamId: c.get("team").id, endpointId: endpointIdOrThrow(id), deliveryId: deliveryIdOrThrow(deliveryId) }),
      ),
      200,
    );
  },
);

webhooksRoutes.openapi(
  createRoute({
    ...meta,
    method: "post",
    path: "/{id}/deliveries/{deliveryId}/redeliver",
    request: { params: deliveryParams },
    responses: {
      202: jsonContent(z.object({ queued: z.literal(true) }), "Sent again from the start of its schedule"),
      409: errorResponse("conflict: the endpoint is disabled"),
      ...actionErrors,
    },
  }),
  async (c) => {
    const { id, deliveryId } = c.req.valid("param");
    const ids = { endpointId: endpointIdOrThrow(id), deliveryId: deliveryIdOrThrow(deliveryId) };
    await consumeWebhookActionOrThrow(c);
    rpcValueOrThrow(await c.env.WEBHOOKS.redeliver({ teamId: c.get("team").id, ...ids }));
    return c.json({ queued: true as const }, 202);
  },
);
