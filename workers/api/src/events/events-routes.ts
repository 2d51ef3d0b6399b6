import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { events } from "#db/links";
import { logEventTypeSchema } from "#events";
import { teamRouter } from "../auth/routers";
import { ApiError } from "../http/errors";
import { decodeCursorOrThrow, encodeCursor } from "../http/cursor";
import { bearerSecurity, commonErrors, jsonContent } from "../http/openapi";
import { rpcValueOrThrow } from "../http/rpc-value";
import { ID_PATTERN } from "../../../shared/ids";

/** /v1/events: the team's event log. */
export const eventsRoutes = teamRouter();

const eventSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    version: z.number().int(),
    occurredAt: z.string(),
    teamId: z.string(),
    subject: z.string(),
    traceId: z.string(),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi("Event");

const deliverySchema = z
  .object({
    subscriber: z.string(),
    status: z.enum(["pending", "delivered", "retrying", "dead"]),
    attempts: z.number().int(),
    duplicates: z.number().int().openapi({ description: "Times the subscriber got the event again and skipped it (replays, redeliveries)" }),
    lastError: z.string().nullable(),
    processedAt: z.string().nullable(),
  })
  .openapi("Delivery");

const listQuery = z.strictObject({
  subject: z.string().min(1).max(128).optional(),
  type: logEventTypeSchema.optional().openapi({ description: "A link event type, or an audit type of the team (TeamCreated, ApiKeyMinted, ApiKeyRevoked)" }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

/** The stored envelope, as it was sent. */
function envelopeOf(row: { envelope: string }): z.infer<typeof eventSchema> {
  return eventSchema.parse(JSON.parse(row.envelope));
}

eventsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["Events"],
    security: bearerSecurity,
    request: { query: listQuery },
    responses: {
      200: jsonContent(z.object({ data: z.array(eventSchema), nextCursor: z.string().nullable() }), "The team's event log, newest first"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const conditions: SQL[] = [eq(events.teamId, c.get("team").id)];
    if (query.subject) conditions.push(eq(events.subject, query.subject));
    if (query.type) conditions.push(eq(events.type, query.type));
    if (query.cursor !== undefined) conditions.push(lt(events.id, decodeCursorOrThrow(query.cursor, ID_PATTERN.evt)));
    const rows = await c
      .get("session")
      .db.select({ id: events.id, envelope: events.envelope })
      .from(events)
      .where(and(...conditions))
      .orderBy(desc(events.id))
      .limit(query.limit + 1)
      .all();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return c.json({ data: page.map(envelopeOf), nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null }, 200);
  },
);

eventsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{id}",
    tags: ["Events"],
    security: bearerSecurity,
    request: { params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }) },
    responses: { 200: jsonContent(z.object({ event: eventSchema, deliveries: z.array(deliverySchema) }), "The event and where it went"), ...commonErrors },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    if (!ID_PATTERN.evt.test(id)) throw ApiError.notFound("Event");
    const teamId = c.get("team").id;
    const [row, trace] = await Promise.all([
      c
        .get("session")
        .db.select({ envelope: events.envelope })
        .from(events)
        .where(and(eq(events.id, id), eq(events.teamId, teamId)))
        .get(),
      c.env.LEDGER.eventTrace({ eventId: id, teamId }).then((answer) => rpcValueOrThrow(answer)),
    ]);
    // Clicks skip the outbox: for them the broker's ledger is the record of the event.
    const event = row ? envelopeOf(row) : trace.event ? eventSchema.parse(trace.event) : null;
    if (!event) throw ApiError.notFound("Event");
    return c.json({ event, deliveries: trace.deliveries }, 200);
  },
);
