import { WorkerEntrypoint } from "cloudflare:workers";
import { z } from "zod";
import { answerRpc, type RpcResult } from "../../shared/rpc";
import { logger } from "../../shared/log";
import { reconcileClickSpool } from "./admin/click-reconciler";
import { reconcileEventLog, reconcileTail } from "./admin/reconciler";
import { advanceReplayJobs } from "./admin/replay-jobs";
import { withChaos } from "./chaos-env";
import { configOf } from "./config";
import { linksDb } from "./db";
import { prunePublishedEvents } from "./outbox/prune-events";
import { relayUnpublishedEvents } from "./outbox/relay";

const log = logger("api");

/**
 * The minute cron's share of the event log's retention: up to 5,000 rows a minute (7.2 M a
 * day) keeps pace with far more events than the api writes, in short writes that leave
 * the links database to the requests.
 */
const EVENT_LOG_PRUNE_PER_MINUTE = { chunk: 500, maxChunks: 10 };

/**
 * Every minute: the outbox relay re-sends what the request path could not, running
 * replay jobs go on by a bounded slice, the reconciler checks a bounded slice of the log against
 * the ledger (README "Reconciliation"), the click reconciler a bounded slice of the click spool
 * (README "Clicks are telemetry"), the webhooks service re-queues deliveries whose message was
 * lost, and published events past the replay window are deleted by a bounded chunk. None waits
 * for, nor is stopped by, another; the first failure is thrown once all have settled.
 * Run by the api's own [triggers] cron, and over RPC (Maintenance) when the edge Worker's
 * `scheduled` is fired by `wrangler dev --test-scheduled` (the local stack's primary is the edge).
 */
export async function runMinuteCron(env: ApiEnv, scheduledTime: number): Promise<void> {
  const db = linksDb(env.LINKS_DB);
  const now = new Date(scheduledTime);
  const [relay, replays, reconciled, clicks, stranded, retention] = await Promise.allSettled([
    relayUnpublishedEvents(env.LINK_EVENTS, db, now),
    (async () => advanceReplayJobs(db, env.LEDGER, configOf(env).REPLAY_PAGES_PER_RUN))(),
    (async () => {
      const config = configOf(env);
      if (config.RECONCILE_PAGES_PER_RUN === 0) return;
      const options = {
        graceSeconds: config.RECONCILE_GRACE_SECONDS,
        stalePendingSeconds: config.RECONCILE_STALE_PENDING_SECONDS,
        staleRetryingSeconds: config.RECONCILE_STALE_RETRYING_SECONDS,
        pageSize: config.RECONCILE_PAGE_SIZE,
        pages: config.RECONCILE_PAGES_PER_RUN,
        windowDays: config.EVENT_LOG_RETENTION_DAYS,
      };
      // The tail first (what just came due: a crash's losses), the sweep with the pages left (at least one).
      const tail = await reconcileTail(db, env.LEDGER, now, { ...options, pages: Math.max(1, options.pages - 1) });
      await reconcileEventLog(db, env.LEDGER, now, { ...options, pages: Math.max(1, options.pages - tail.pages) });
    })(),
    (async () => {
      const config = configOf(env);
      if (config.RECONCILE_PAGES_PER_RUN === 0) return;
      await reconcileClickSpool(env.CLICK_SPOOL, db, env.LEDGER, now, {
        graceSeconds: config.RECONCILE_GRACE_SECONDS,
        stalePendingSeconds: config.RECONCILE_STALE_PENDING_SECONDS,
        staleRetryingSeconds: config.RECONCILE_STALE_RETRYING_SECONDS,
        pageSize: config.RECONCILE_PAGE_SIZE,
        pages: config.RECONCILE_PAGES_PER_RUN,
        maxAgeHours: config.CLICK_SPOOL_MAX_AGE_HOURS,
      });
    })(),
    // Also the webhooks Worker's own minute cron: this call makes the api's clock (the one `wrangler dev` fires) drive it too.
    (async () => env.WEBHOOKS.sweepStranded())(),
    (async () => prunePublishedEvents(env.LINKS_DB, now, configOf(env).EVENT_LOG_RETENTION_DAYS, EVENT_LOG_PRUNE_PER_MINUTE))(),
  ]);
  if (retention.status === "fulfilled" && retention.value.events > 0) log.info("event log pruned", retention.value);
  for (const outcome of [relay, replays, reconciled, clicks, stranded, retention]) if (outcome.status === "rejected") throw outcome.reason;
}

/** The input of Maintenance.minuteCron: the run's scheduled time, in ms since the epoch. */
export const minuteCronInputSchema = z.number().int().min(0);

/**
 * The api's maintenance over RPC, bound by the edge Worker as API_CRON: locally `wrangler dev`
 * fires only its primary's (the edge's) `scheduled`, which runs the api's minute cron through
 * this. In production the api's own [triggers] cron runs it and nobody calls this.
 */
export class Maintenance extends WorkerEntrypoint<ApiEnv> {
  /** One run of the minute cron (runMinuteCron); a part that fails is thrown, as the cron would. */
  async minuteCron(input: unknown): Promise<RpcResult<{ scheduledTime: number }>> {
    return answerRpc(minuteCronInputSchema, input, async (scheduledTime) => {
      await runMinuteCron(withChaos(this.env), scheduledTime);
      return { scheduledTime };
    });
  }
}
