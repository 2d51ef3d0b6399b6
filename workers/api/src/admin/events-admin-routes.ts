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
import { configOf } from "../config";
import { reconciliationState, reconciliationTailState } from "./reconciler";
import { clickReconciliationState } from "./click-reconciler";
import { clickDropTotals } from "../redirect/click-drops";
import { FIRST_SLICE_PAGES, planReplay, runReplaySlice } from "./replay-jobs";

/** Replays, dead letters and reconciliation: mounted inside adminRoutes, whose guard it shares. */
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

const reconciliationCounts = z.object({
  checked: z.number().int().openapi({ description: "Published events of a subscribed type checked against the ledger" }),
  missing: z.number().int().openapi({ description: "(event, subscriber) pairs the ledger had no delivery for" }),
  stalePending: z.number().int().openapi({ description: "Pairs still `pending` past the stale age" }),
  staleRetrying: z.number().int().openapi({ description: "Pairs still `retrying` past the stale-retrying age (their retry message was lost)" }),
  resent: z.number().int().openapi({ description: "Pairs re-sent to their subscriber's queue" }),
});

const dropCounts = z.object({
  batches: z.number().int(),
  clicks: z.number().int().openapi({ description: "Human clicks" }),
  bots: z.number().int().openapi({ description: "Bot GETs (counted per link, never carried one by one)" }),
  heads: z.number().int().openapi({ description: "HEAD requests" }),
});

const clickRunCounts = z.object({
  seen: z.number().int().openapi({ description: "Spooled batches listed" }),
  checked: z.number().int().openapi({ description: "Of those, past the grace period and checked against the ledger" }),
  missing: z.number().int().openapi({ description: "(batch, subscriber) pairs the ledger had no delivery for" }),
  stalePending: z.number().int().openapi({ description: "Pairs still `pending` past the stale age" }),
  resent: z.number().int().openapi({ description: "Pairs re-sent to their subscriber's queue" }),
  cleared: z.number().int().openapi({ description: "Batches deleted from the spool: every subscriber had finished them" }),
  kept: z.number().int().openapi({ description: "Batches kept: in flight somewhere, or just re-sent" }),
  expired: z.number().int().openapi({ description: "Batches deleted at the spool's maximum age while some subscriber had not finished them (dropped)" }),
});

const clickReconciliationSchema = z
  .object({
    lastRun: clickRunCounts.nullable().openapi({ description: "The last cron run's own counts (null before the first)" }),
    lastRunAt: z.string().nullable(),
    lastError: z.string().nullable().openapi({ description: "The last run's error, if it failed (cleared by the next good run)" }),
    totals: z
      .object({ checked: z.number().int(), resent: z.number().int(), cleared: z.number().int() })
      .openapi({ description: "Since the click reconciler's first run" }),
    cursor: z.string().nullable().openapi({ description: "The last spool key checked in the current sweep; null: the next run starts at the oldest batch" }),
    sweeps: z.number().int(),
    dropped: dropCounts
      .extend({
        byReason: z.object({ send_failed: dropCounts, expired: dropCounts, unreadable: dropCounts }).openapi({
          description:
            "send_failed: neither spooled nor sent; expired: spooled past the maximum age with some subscriber unfinished; unreadable: a spool object that was not a batch",
        }),
      })
      .openapi({ description: "Clicks lost for good, all time (the links DB's click_drops)" }),
    settings: z.object({ maxAgeHours: z.number().int() }),
  })
  .openapi("ClickReconciliation", {
    description:
      "The click spool's reconciler: ClicksRecorded batches are spooled to R2 before their queue send and checked per batch against the ledger, like the event log",
  });

const reconciliationSchema = z
  .object({
    totals: reconciliationCounts.openapi({ description: "Since the reconciler's first run" }),
    lastRun: reconciliationCounts.nullable().openapi({ description: "The last cron run's own counts (null before the first)" }),
    lastRunAt: z.string().nullable(),
    lastError: z.string().nullable().openapi({ description: "The last run's error, if it failed (cleared by the next good run)" }),
    cursor: z.string().nullable().openapi({ description: "The last event id checked in the current sweep; null: the next run starts at the window's start" }),
    sweeps: z.number().int().openapi({ description: "Sweeps of the whole window finished" }),
    tail: z
      .object({
        totals: reconciliationCounts,
        lastRun: reconciliationCounts.nullable(),
        lastRunAt: z.string().nullable(),
        cursor: z.string().nullable().openapi({ description: "The last event id the tail checked; the sweep covers the log up to it" }),
      })
      .openapi({ description: "The tail: every event checked once as it comes due (past the grace period and the stale-pending age); counts not in `totals`" }),
    settings: z.object({
      graceSeconds: z.number().int(),
      stalePendingSeconds: z.number().int(),
      staleRetryingSeconds: z.number().int(),
      pageSize: z.number().int(),
      pagesPerRun: z.number().int(),
      windowDays: z.number().int(),
    }),
    clicks: clickReconciliationSchema,
  })
  .openapi("Reconciliation");

/** What the end-to-end reconciler found and re-sent, by reason (README "Reconciliation"). */
adminEventsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/reconciliation",
    tags: ["Events"],
    security: adminSecurity,
    description:
      "What the end-to-end reconciler found and re-sent. Every minute the cron checks each published event once as it comes due (the tail: older than the grace period and the stale-pending age), then a bounded page of the whole replay window (the sweep), against the fan-out's ledger, and re-sends each event to the subscribers with no delivery (`missing`) or a `pending` one past the stale age (`stalePending`). Dead letters are left to redrive. ClicksRecorded batches are not in the log: `clicks` is their own reconciler's, which checks the batches spooled in R2 the same way, deletes each once every subscriber finished it, and counts what was lost for good.",
    responses: { 200: jsonContent(reconciliationSchema, "The reconciler's counts, cursor and last run"), ...commonErrors },
  }),
  async (c) => {
    const db = c.get("db");
    const [state, tail, clicks, dropped] = await Promise.all([
      reconciliationState(db),
      reconciliationTailState(db),
      clickReconciliationState(db),
      clickDropTotals(db),
    ]);
    const config = configOf(c.env);
    return c.json(
      {
        totals: {
          checked: state?.checked ?? 0,
          missing: state?.missing ?? 0,
          stalePending: state?.stalePending ?? 0,
          staleRetrying: state?.staleRetrying ?? 0,
          resent: state?.resent ?? 0,
        },
        lastRun: state?.lastRun ? { staleRetrying: 0, ...state.lastRun } : null,
        lastRunAt: state?.lastRunAt ?? null,
        lastError: state?.lastError ?? null,
        cursor: state?.cursor ?? null,
        sweeps: state?.sweeps ?? 0,
        tail: {
          totals: {
            checked: tail?.checked ?? 0,
            missing: tail?.missing ?? 0,
            stalePending: tail?.stalePending ?? 0,
            staleRetrying: tail?.staleRetrying ?? 0,
            resent: tail?.resent ?? 0,
          },
          lastRun: tail?.lastRun ? { staleRetrying: 0, ...tail.lastRun } : null,
          lastRunAt: tail?.lastRunAt ?? null,
          cursor: tail?.cursor ?? null,
        },
        settings: {
          graceSeconds: config.RECONCILE_GRACE_SECONDS,
          stalePendingSeconds: config.RECONCILE_STALE_PENDING_SECONDS,
          staleRetryingSeconds: config.RECONCILE_STALE_RETRYING_SECONDS,
          pageSize: config.RECONCILE_PAGE_SIZE,
          pagesPerRun: config.RECONCILE_PAGES_PER_RUN,
          windowDays: config.EVENT_LOG_RETENTION_DAYS,
        },
        clicks: {
          lastRun: clicks?.lastRun ?? null,
          lastRunAt: clicks?.lastRunAt ?? null,
          lastError: clicks?.lastError ?? null,
          totals: { checked: clicks?.checked ?? 0, resent: clicks?.resent ?? 0, cleared: clicks?.cleared ?? 0 },
          cursor: clicks?.cursor ?? null,
          sweeps: clicks?.sweeps ?? 0,
          dropped,
          settings: { maxAgeHours: config.CLICK_SPOOL_MAX_AGE_HOURS },
        },
      },
      200,
    );
  },
);
