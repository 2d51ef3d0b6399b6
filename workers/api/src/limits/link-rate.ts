import type { AuthenticatedTeam } from "../app-env";
import { ApiError } from "../http/errors";
import { limitsOf } from "./plan-limits";
import { rateLimitHeaders, type RateLimitRule } from "./rate-limit";

/**
 * New links per team and minute, single and bulk creates together. Counted exactly on the links
 * table inside the guarded insert (links/link-writes.ts): a sliding window of the last 60 s, so
 * no counter table and no Rate Limiting binding (whose counts are per location and approximate).
 */
export interface LinkRate {
  plan: AuthenticatedTeam["plan"];
  limit: number;
}

export const LINK_RATE_WINDOW_MS = 60_000;

export function linkRateOf(plan: AuthenticatedTeam["plan"], multiplier: number): LinkRate {
  return { plan, limit: limitsOf(plan).linksPerMinute * multiplier };
}

/** Links created after this instant (exclusive) count in the window of a link created at `createdAt`. */
export function linkRateWindowStart(createdAt: string): string {
  return new Date(Date.parse(createdAt) - LINK_RATE_WINDOW_MS).toISOString();
}

/**
 * 429 `rate_limited` for a link over the cap. `oldestInWindow` is the oldest of the team's links
 * still counted: once it leaves the window a link can be created again, which is Retry-After.
 */
export function linkRateExceeded(rate: LinkRate, oldestInWindow: string | null, nowMs = Date.now()): ApiError {
  const frees = oldestInWindow ? Date.parse(oldestInWindow) + LINK_RATE_WINDOW_MS : nowMs;
  const retryAfter = Math.max(1, Math.ceil((frees - nowMs) / 1000));
  const rule: RateLimitRule = { name: "links", limit: rate.limit, periodSeconds: 60 };
  return new ApiError("rate_limited", `The ${rate.plan} plan allows ${rate.limit} new links a minute; retry in ${retryAfter} s.`, undefined, {
    "retry-after": String(retryAfter),
    ...rateLimitHeaders(rule, 0, nowMs, retryAfter),
  });
}
