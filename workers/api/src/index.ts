import { reconcileClickSpool } from "./admin/click-reconciler";
import { reconcileEventLog } from "./admin/reconciler";
import { advanceReplayJobs } from "./admin/replay-jobs";
import { createApp } from "./app";
import { configOf } from "./config";
import { linksDb } from "./db";
import { log } from "./log";
import { prunePublishedEvents } from "./outbox/prune-events";
import { relayUnpublishedEvents } from "./outbox/relay";
import { fastRedirect } from "./redirect/fast-redirect";

// The Durable Object classes this Worker hosts (other Workers bind them by script_name).
export { TeamFeed } from "../../../durable-objects/team-feed/team-feed";

const app = createApp();

/**
 * The minute cron's share of the event log's retention: up to 5,000 rows a minute (7.2 M a
 * day) keeps pace with far more events than the api writes, in short writes that leave
 * the links database to the requests.
 */
const EVENT_LOG_PRUNE_PER_MINUTE = { chunk: 500, maxChunks: 10 };

export default {
  // A cached live short link is answered before the router; everything else goes through the app.
  fetch: (request: Request, env: ApiEnv, ctx: ExecutionContext) => fastRedirect(request, env, ctx) ?? app.fetch(request, env, ctx),
  /**
   * Every minute: the outbox relay re-sends what the request path could not, running
   * replay jobs go on by a bounded slice, the reconciler checks a bounded slice of the log against
   * the ledger (README "Reconciliation"), the click reconciler a bounded slice of the click spool
   * (README "Clicks are telemetry"), and published events past the replay window are deleted by a
   * bounded chunk. None waits for, nor is stopped by, another.
   */
  async scheduled(controller, env) {
    const db = linksDb(env.LINKS_DB);
    const now = new Date(controller.scheduledTime);
    const [relay, replays, reconciled, clicks, retention] = await Promise.allSettled([
      relayUnpublishedEvents(env.LINK_EVENTS, db, now),
      (async () => advanceReplayJobs(db, env.LEDGER, configOf(env).REPLAY_PAGES_PER_RUN))(),
      (async () => {
        const config = configOf(env);
        if (config.RECONCILE_PAGES_PER_RUN === 0) return;
        await reconcileEventLog(db, env.LEDGER, now, {
          graceSeconds: config.RECONCILE_GRACE_SECONDS,
          stalePendingSeconds: config.RECONCILE_STALE_PENDING_SECONDS,
          pageSize: config.RECONCILE_PAGE_SIZE,
          pages: config.RECONCILE_PAGES_PER_RUN,
          windowDays: config.EVENT_LOG_RETENTION_DAYS,
        });
      })(),
      (async () => {
        const config = configOf(env);
        if (config.RECONCILE_PAGES_PER_RUN === 0) return;
        await reconcileClickSpool(env.CLICK_SPOOL, db, env.LEDGER, now, {
          graceSeconds: config.RECONCILE_GRACE_SECONDS,
          stalePendingSeconds: config.RECONCILE_STALE_PENDING_SECONDS,
          pageSize: config.RECONCILE_PAGE_SIZE,
          pages: config.RECONCILE_PAGES_PER_RUN,
          maxAgeHours: config.CLICK_SPOOL_MAX_AGE_HOURS,
        });
      })(),
      (async () => prunePublishedEvents(env.LINKS_DB, now, configOf(env).EVENT_LOG_RETENTION_DAYS, EVENT_LOG_PRUNE_PER_MINUTE))(),
    ]);
    if (retention.status === "fulfilled" && retention.value.events > 0) log.info("event log pruned", retention.value);
    for (const outcome of [relay, replays, reconciled, clicks, retention]) if (outcome.status === "rejected") throw outcome.reason;
  },
} satisfies ExportedHandler<ApiEnv>;
