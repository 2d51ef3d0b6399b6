import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { replayJobs, type ReplayJobRow } from "#db/links";
import { SUBSCRIBER_NAMES, TOPIC } from "#contracts/fanout/subscriptions";
import { eventIdSchema } from "#events";
import { ApiError } from "../http/errors";
import { requireJsonBody } from "../http/json-body";
import { rpcValueOrThrow } from "../http/rpc-value";
import { adminSecurity, commonErrors, jsonContent, newRouter } from "../http/openapi";
import { ID_PATTERN, newId } from "../../../shared/ids";
import { adminActor, auditEvent, insertAuditEvent, publishAudit, SYSTEM_TEAM_ID } from "./audit";
import { FIRST_SLICE_PAGES, planReplay, runReplaySlice } from "./replay-jobs";

/** Replays and dead letters: mounted inside adminRoutes, whose guard it shares. */
export const adminEventsRoutes = newRouter();

const subscriber = z.enum(SUBSCRIBER_NAMES).openapi({ example: "analytics" });
const anySubscriber = z.union([subscriber, z.literal(TOPIC.subscriber)]);

const replaySchema = z
  .strictObject({
    subscriber,
    since: z.iso
      .datetime({ offset: true })
      .transform((s) => new Date(s).toISOString())
      .optional(),
    eventIds: z.array(eventIdSchema).min(1).max(1000).optional(),
  })
  .openapi("Replay");

const redriveSchema = z
  .strictObject({
    subscriber: anySubscriber,
    ids: z
      .array(z.string().regex(/^dlq_[0-9A-Z]{26}$/))
      .min(1)
      .max(100)
      .optional(),
  })
  .openapi("Redrive");

const deadLettersQuery = z.strictObject({
  subscriber: anySubscriber.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .regex(/^dlq_[0-9A-Z]{26}$/, "not a cursor this API issued")
    .optional(),
});

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const replayJobSchema = z
  .object({
    id: z.string().openapi({ example: "rpl_01JDQD00000000000000000000" }),
    status: z
      .enum(["running", "done", "failed"])
      .openapi({ description: "running until every event is sent (done), or until five slices in a row failed (failed)" }),
    sent: z.number().int().openapi({ description: "Events sent to the subscriber's queue so far" }),
    total: z
      .number()
      .int()
      .openapi({ description: "Events the job sends: the subscriber's types that match the filter, up to the log's end when the job started" }),
    subscriber: z.string(),
    since: z.string().nullable(),
    eventIds: z.array(z.string()).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
    lastError: z.string().nullable().openapi({ description: "The last failed slice's error; cleared by the next page that goes out" }),
  })
  .openapi("ReplayJob");

function jobView(job: ReplayJobRow): z.infer<typeof replayJobSchema> {
  const { id, status, sent, subscriber, since, eventIds, createdAt, updatedAt, finishedAt, lastError } = job;
  return { id, status, sent, total: job.total ?? 0, subscriber, since, eventIds, createdAt, updatedAt, finishedAt, lastError };
}

/**
 * Starts a replay job: the job row and its ReplayStarted event in one D1 batch, then the first
 * page at once (a replay of up to 100 events is done when this answers); the cron sends the rest
 * (README "Replay jobs").
 */
adminEventsRoutes.openapi(
  createRoute({
    method: "post",
    path: "/replay",
    middleware: [requireJsonBody],
    tags: ["Events"],
    security: adminSecurity,
    description:
      "Starts a replay job that re-sends past events of the subscriber's types to its queue, oldest first. The first 100 go out before the answer; the cron sends the rest in slices (a page budget per minute) and keeps its place, so it resumes after a crash. Follow it with GET /v1/admin/replay/{jobId}.",
    request: { body: { required: true, content: { "application/json": { schema: replaySchema } } } },
    responses: {
      202: {
        ...jsonContent(
          z.object({
            jobId: z.string().openapi({ example: "rpl_01JDQD00000000000000000000" }),
            queued: z.number().int().openapi({ description: "Events sent so far (may be 0)" }),
            status: z.enum(["running", "done", "failed"]),
            total: z.number().int(),
          }),
          "The job started",
        ),
        headers: z.object({ Location: z.string().openapi({ description: "The job: /v1/admin/replay/{jobId}" }) }),
      },
      ...commonErrors,
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const db = c.get("db");
    const filter = { subscriber: body.subscriber, since: body.since, eventIds: body.eventIds };
    const { untilId, total } = await planReplay(db, filter);
    const now = new Date().toISOString();
    const actor = await adminActor(c.env);
    const id = newId("rpl");
    const job = {
      id,
      subscriber: body.subscriber,
      since: body.since ?? null,
      eventIds: body.eventIds ?? null,
      untilId,
      total,
      status: untilId === null || total === 0 ? ("done" as const) : ("running" as const),
      finishedAt: untilId === null || total === 0 ? now : null,
      actor,
      traceId: c.get("traceId"),
      createdAt: now,
      updatedAt: now,
    };
    const started = auditEvent(
      c,
      "ReplayStarted",
      id,
      { actor, jobId: id, subscriber: job.subscriber, since: job.since, eventIds: job.eventIds, total },
      SYSTEM_TEAM_ID,
      now,
    );
    await db.batch([db.insert(replayJobs).values(job), insertAuditEvent(db, started)]);
    await publishAudit(c, [started]);
    if (job.status === "running") await runReplaySlice(db, c.env.LEDGER, id, FIRST_SLICE_PAGES);
    const after = await db.select().from(replayJobs).where(eq(replayJobs.id, id)).get();
    c.header("Location", `/v1/admin/replay/${id}`);
    return c.json({ jobId: id, queued: after?.sent ?? 0, status: after?.status ?? job.status, total }, 202);
  },
);

adminEventsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/replay/{jobId}",
    tags: ["Events"],
    security: adminSecurity,
    request: { params: z.object({ jobId: z.string().openapi({ param: { name: "jobId", in: "path" }, example: "rpl_01JDQD00000000000000000000" }) }) },
    responses: { 200: jsonContent(replayJobSchema, "The replay job and how far it got"), ...commonErrors },
  }),
  async (c) => {
    const { jobId } = c.req.valid("param");
    const job = ID_PATTERN.rpl.test(jobId) ? await c.get("db").select().from(replayJobs).where(eq(replayJobs.id, jobId)).get() : undefined;
    if (!job) throw ApiError.notFound("Replay job");
    return c.json(jobView(job), 200);
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
    const page = rpcValueOrThrow(await c.env.LEDGER.deadLetters({ subscriber: query.subscriber, limit: query.limit, afterId: query.cursor }));
    return c.json({ data: page.data.map((letter) => ({ ...letter, body: parseBody(letter.body) })), nextCursor: page.nextAfterId }, 200);
  },
);

adminEventsRoutes.openapi(
  createRoute({
    method: "post",
    path: "/dead-letters/redrive",
    middleware: [requireJsonBody],
    tags: ["Events"],
    security: adminSecurity,
    request: { body: { required: true, content: { "application/json": { schema: redriveSchema } } } },
    responses: {
      202: jsonContent(z.object({ redriven: z.number().int(), skipped: z.number().int() }), "Sent back to the subscriber's queue"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    // Recorded before the ledger is asked: the attempt is the admin action, whatever it redrives.
    const started = auditEvent(
      c,
      "RedriveStarted",
      body.subscriber,
      { actor: await adminActor(c.env), subscriber: body.subscriber, ids: body.ids ?? null },
      SYSTEM_TEAM_ID,
    );
    const db = c.get("db");
    await insertAuditEvent(db, started);
    await publishAudit(c, [started]);
    return c.json(rpcValueOrThrow(await c.env.LEDGER.redrive({ subscriber: body.subscriber, ids: body.ids })), 202);
  },
);
