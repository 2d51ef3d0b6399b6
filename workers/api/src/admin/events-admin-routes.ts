import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, gt, gte, sql, type SQL } from "drizzle-orm";
import { events } from "../../../../db/links";
import { SUBSCRIBER_NAMES, TOPIC } from "../../../fanout/src/subscriptions";
import { eventIdSchema } from "../../../../events";
import { requireJsonBody } from "../http/json-body";
import { adminSecurity, commonErrors, jsonContent, newRouter } from "../http/openapi";

export const adminEventsRoutes = newRouter();

const subscriber = z.enum(SUBSCRIBER_NAMES).openapi({ example: "analytics" });
const anySubscriber = z.union([subscriber, z.literal(TOPIC.subscriber)]);

const replaySchema = z
  .strictObject({
    subscriber,
    since: z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString()).optional(),
    eventIds: z.array(eventIdSchema).min(1).max(1000).optional(),
  })
  .openapi("Replay");

const redriveSchema = z.strictObject({ subscriber: anySubscriber, ids: z.array(z.string().regex(/^dlq_[0-9A-Z]{26}$/)).min(1).max(100).optional() }).openapi("Redrive");

const deadLettersQuery = z.strictObject({
  subscriber: anySubscriber.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().regex(/^dlq_[0-9A-Z]{26}$/, "not a cursor this API issued").optional(),
});

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

adminEventsRoutes.on("POST", ["/replay", "/dead-letters/redrive"], requireJsonBody);

/** Pages through the event log (oldest first) and hands each page to the ledger to send. */
adminEventsRoutes.openapi(
  createRoute({
    method: "post",
    path: "/replay",
    tags: ["Events"],
    security: adminSecurity,
    request: { body: { required: true, content: { "application/json": { schema: replaySchema } } } },
    responses: { 202: jsonContent(z.object({ queued: z.number().int() }), "How many events were queued to the subscriber"), ...commonErrors },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const db = c.get("db");
    const ledger = c.env.LEDGER;
    let queued = 0;
    let afterId: string | undefined;
    for (;;) {
      const conditions: SQL[] = [];
      if (body.since) conditions.push(gte(events.occurredAt, body.since));
      // json_each keeps it one bound parameter: D1 allows 100 per statement.
      if (body.eventIds) conditions.push(sql`${events.id} IN (SELECT value FROM json_each(${JSON.stringify(body.eventIds)}))`);
      if (afterId) conditions.push(gt(events.id, afterId));
      const rows = await db.select({ id: events.id, envelope: events.envelope }).from(events).where(and(...conditions)).orderBy(asc(events.id)).limit(100).all();
      if (rows.length === 0) break;
      const result = await ledger.replay({ subscriber: body.subscriber, events: rows.map((r) => JSON.parse(r.envelope) as unknown) });
      queued += result.queued;
      afterId = rows.at(-1)?.id;
      if (rows.length < 100) break;
    }
    return c.json({ queued }, 202);
  },
);

adminEventsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/dead-letters",
    tags: ["Events"],
    security: adminSecurity,
    request: { query: deadLettersQuery },
    responses: {
      200: jsonContent(
        z.object({
          data: z.array(
            z.object({
              id: z.string(),
              subscriber: z.string(),
              eventId: z.string().nullable(),
              reason: z.string(),
              lastError: z.string().nullable(),
              attempts: z.number().int(),
              createdAt: z.string(),
              redrivenAt: z.string().nullable(),
              body: z.unknown(),
            }),
          ),
          nextCursor: z.string().nullable(),
        }),
        "Dead letters with their errors, oldest first",
      ),
      ...commonErrors,
    },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const page = await c.env.LEDGER.deadLetters({ subscriber: query.subscriber, limit: query.limit, afterId: query.cursor });
    return c.json({ data: page.data.map((letter) => ({ ...letter, body: parseBody(letter.body) })), nextCursor: page.nextAfterId }, 200);
  },
);

adminEventsRoutes.openapi(
  createRoute({
    method: "post",
    path: "/dead-letters/redrive",
    tags: ["Events"],
    security: adminSecurity,
    request: { body: { required: true, content: { "application/json": { schema: redriveSchema } } } },
    responses: { 202: jsonContent(z.object({ redriven: z.number().int(), skipped: z.number().int() }), "Sent back to the subscriber's queue"), ...commonErrors },
  }),
  async (c) => {
    const body = c.req.valid("json");
    return c.json(await c.env.LEDGER.redrive({ subscriber: body.subscriber, ids: body.ids }), 202);
  },
);
