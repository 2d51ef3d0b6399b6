import { z } from "zod";
import { configParser } from "../../shared/config";
import { strongSecret } from "../../shared/strong-secret";
import { retentionDaysSchema } from "../../shared/retention/prune-in-chunks";
import {
  DEFAULT_RECONCILE_GRACE_SECONDS,
  DEFAULT_RECONCILE_PAGE_SIZE,
  DEFAULT_RECONCILE_PAGES_PER_RUN,
  DEFAULT_RECONCILE_STALE_PENDING_SECONDS,
  DEFAULT_RECONCILE_STALE_RETRYING_SECONDS,
} from "./admin/reconciler";
import { DEFAULT_REPLAY_PAGES_PER_RUN } from "./admin/replay-jobs";
import { DEFAULT_CLICK_SPOOL_MAX_AGE_HOURS } from "./admin/click-reconciler";
import { LEDGER_MIN_RETENTION_DAYS } from "#contracts/fanout/ledger-rpc";
import { DEFAULT_EVENT_LOG_RETENTION_DAYS } from "./outbox/prune-events";
import { clickSettingsShape } from "./redirect/redirect-env";

/** The api Worker's vars and secrets (workers/shared/config.ts parses them once per env object). */
const configSchema = z
  .object({
    ADMIN_TOKEN: strongSecret("ADMIN_TOKEN"),
    FEED_TOKEN_SECRET: strongSecret("FEED_TOKEN_SECRET"),
    SHORT_BASE_URL: z.union([z.literal(""), z.url({ protocol: /^https?$/ })]).default(""),
    // Every other name this deployment answers on (the workers.dev name beside a custom domain,
    // another custom domain): a destination on any of them would loop back into the Worker.
    OWN_HOSTS: z
      .string()
      .default("")
      .transform((list) =>
        list
          .split(",")
          .map((h) => h.trim().toLowerCase())
          .filter((h) => h !== ""),
      )
      .pipe(z.array(z.string().regex(/^[a-z0-9.-]+(:\d+)?$|^\[[0-9a-f:.]+\](:\d+)?$/, "OWN_HOSTS is a comma-separated list of host names"))),
    // VISITOR_HASH_SECRET, CLICK_LOG_SAMPLE_RATE, CLICK_BATCH_WINDOW_MS: the click path's, shared with the edge.
    ...clickSettingsShape,
    /** Pages of 100 events the cron sends per run across all replay jobs (optional var; README "Replay jobs"). */
    REPLAY_PAGES_PER_RUN: z.coerce.number().int().min(1).max(500).default(DEFAULT_REPLAY_PAGES_PER_RUN),
    /** The reconciler (optional vars; README "Reconciliation"): grace before an event is checked, age of a stale `pending`, page size, pages per minute. */
    RECONCILE_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(DEFAULT_RECONCILE_GRACE_SECONDS),
    RECONCILE_STALE_PENDING_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(7 * 86_400)
      .default(DEFAULT_RECONCILE_STALE_PENDING_SECONDS),
    // Above the consumers' longest backoff (600 s): a delivery retrying normally is updated at least that often.
    RECONCILE_STALE_RETRYING_SECONDS: z.coerce
      .number()
      .int()
      .min(900)
      .max(7 * 86_400)
      .default(DEFAULT_RECONCILE_STALE_RETRYING_SECONDS),
    RECONCILE_PAGE_SIZE: z.coerce.number().int().min(1).max(100).default(DEFAULT_RECONCILE_PAGE_SIZE),
    RECONCILE_PAGES_PER_RUN: z.coerce.number().int().min(0).max(100).default(DEFAULT_RECONCILE_PAGES_PER_RUN),
    /**
     * Hours a click batch stays in the spool (optional var; README "Clicks are telemetry"): older
     * ones are deleted and counted as dropped. At most the ledger's shortest retention allows.
     */
    CLICK_SPOOL_MAX_AGE_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(LEDGER_MIN_RETENTION_DAYS * 24)
      .default(DEFAULT_CLICK_SPOOL_MAX_AGE_HOURS),
    /** The replay window: days a published event stays in the log for replay and GET /v1/events (optional var; README "Retention"). */
    EVENT_LOG_RETENTION_DAYS: retentionDaysSchema(DEFAULT_EVENT_LOG_RETENTION_DAYS),
    // Scales the rate limits (README "Limits"): the links-per-minute cap counted on D1, and the
    // numbers the RateLimit headers state. The Rate Limiting bindings cannot read a var, so whoever
    // sets it scales their [[ratelimits]] to match: the local stack does both (scripts/stack.mjs
    // LOCAL_VARS and the overlay configs) so load tests are not throttled. 1 in production.
    LIMITS_MULTIPLIER: z
      .string()
      .regex(/^[1-9][0-9]{0,5}$/, "LIMITS_MULTIPLIER must be a whole number from 1 to 999999")
      .transform(Number)
      .default(1),
  })
  .refine((c) => c.CLICK_SPOOL_MAX_AGE_HOURS * 3600 > c.RECONCILE_GRACE_SECONDS + c.RECONCILE_STALE_PENDING_SECONDS, {
    // Else a spooled batch would expire before the reconciler could send it even once.
    message: "CLICK_SPOOL_MAX_AGE_HOURS must be longer than RECONCILE_GRACE_SECONDS plus RECONCILE_STALE_PENDING_SECONDS",
    path: ["CLICK_SPOOL_MAX_AGE_HOURS"],
  });

export type Config = z.infer<typeof configSchema>;

export const configOf: (env: ApiEnv) => Config = configParser("api", configSchema);

/** Where short links live: SHORT_BASE_URL when set, else the origin the request came in on. */
export function shortBaseUrl(env: ApiEnv, requestUrl: string): string {
  const configured = configOf(env).SHORT_BASE_URL;
  return (configured || new URL(requestUrl).origin).replace(/\/+$/, "");
}
