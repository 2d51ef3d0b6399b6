import { errorMessage, logger } from "../../../shared/log";
import { pruneReceipts, receiptsRetentionDaysOf } from "../../../shared/consumer/prune-receipts";
import { foldClosedDays } from "./fold-visitors";
import { pruneHourlyClicks } from "./prune-hours";

const log = logger("analytics");

/** One piece of upkeep the cron runs; its result is logged as counts. */
export interface ScheduledJob {
  name: string;
  run(env: AnalyticsEnv, now: Date): Promise<object>;
}

/** The cron's jobs, in order (wrangler.toml `[triggers]`). Add upkeep here, not in the handler. */
export const SCHEDULED_JOBS: readonly ScheduledJob[] = [
  { name: "fold-visitor-sets", run: (env, now) => foldClosedDays(env.ANALYTICS_DB, now) },
  { name: "prune-hourly-clicks", run: (env, now) => pruneHourlyClicks(env.ANALYTICS_DB, now) },
  // Counters have no other guard against a second application: receipts cover the replay window here.
  { name: "prune-receipts", run: (env, now) => pruneReceipts(env.ANALYTICS_DB, now, receiptsRetentionDaysOf(env)) },
];

/**
 * Runs every job, one after the other, each on its own: one failing does not stop the
 * next. The clock is the trigger's scheduled time (tests pass their own). Failures are
 * logged and then thrown together, so the cron run shows as failed.
 */
export function createScheduledHandler(jobs: readonly ScheduledJob[]) {
  return async function scheduled(controller: ScheduledController, env: AnalyticsEnv): Promise<void> {
    const now = new Date(controller.scheduledTime);
    const failed: string[] = [];
    for (const job of jobs) {
      try {
        log.info("scheduled job done", { job: job.name, ...(await job.run(env, now)) });
      } catch (error) {
        failed.push(job.name);
        log.error("scheduled job failed", { job: job.name, error: errorMessage(error) });
      }
    }
    if (failed.length > 0) throw new Error(`scheduled jobs failed: ${failed.join(", ")}`);
  };
}
