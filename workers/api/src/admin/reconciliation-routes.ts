import { createRoute, z } from "@hono/zod-openapi";
import { adminSecurity, commonErrors, jsonContent, newRouter } from "../http/openapi";
import { configOf } from "../config";
import { clickDropTotals } from "../redirect/click-drops";
import { clickReconciliationState } from "./click-reconciler-state";
import { reconciliationState, reconciliationTailState } from "./reconciler";

/** `GET /v1/admin/reconciliation`: mounted inside adminRoutes, whose guard it shares. */
export const adminReconciliationRoutes = newRouter();

const reconciliationCounts = z.object({
  checked: z.number().int().openapi({ description: "Published events of a subscribed type checked against the ledger" }),
  missing: z.number().int().openapi({ description: "(event, subscriber) pairs the ledger had no delivery for" }),
  stalePending: z.number().int().openapi({ description: "Pairs still `pending` past the stale age" }),
  staleRetrying: z.number().int().openapi({ description: "Pairs still `retrying` past the stale-retrying age (their retry message was lost)" }),
  resent: z.number().int().openapi({ description: "Pairs re-sent to their subscriber's queue" }),
});

type ReconcilerTotals = z.infer<typeof reconciliationCounts>;

/** A pass's all-time counts, zero before its first run. */
const totalsOf = (state: Partial<ReconcilerTotals> | null | undefined): ReconcilerTotals => ({
  checked: state?.checked ?? 0,
  missing: state?.missing ?? 0,
  stalePending: state?.stalePending ?? 0,
  staleRetrying: state?.staleRetrying ?? 0,
  resent: state?.resent ?? 0,
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
adminReconciliationRoutes.openapi(
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
        totals: totalsOf(state),
        lastRun: state?.lastRun ? { staleRetrying: 0, ...state.lastRun } : null,
        lastRunAt: state?.lastRunAt ?? null,
        lastError: state?.lastError ?? null,
        cursor: state?.cursor ?? null,
        sweeps: state?.sweeps ?? 0,
        tail: {
          totals: totalsOf(tail),
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
