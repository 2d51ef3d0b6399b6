import { ApiError } from "../http/errors";
import type { RateLimitRule } from "./rate-limit-rules";

export { RATE_LIMIT_RULES, type RateLimitRule } from "./rate-limit-rules";

/** Seconds until the current fixed window of `periodSeconds` ends (at least 1). */
export function secondsUntilReset(periodSeconds: number, nowMs: number): number {
  return Math.max(1, Math.ceil(periodSeconds - ((nowMs / 1000) % periodSeconds)));
}

/** The client's address as Cloudflare reports it; one shared bucket when there is none (local, tests). */
export function clientAddress(request: Request): string {
  return request.headers.get("cf-connecting-ip") ?? "unknown";
}

/** 429 `rate_limited` with `Retry-After` (seconds until the window ends). */
export function rateLimited(rule: RateLimitRule, what: string, nowMs = Date.now()): ApiError {
  const retryAfter = secondsUntilReset(rule.periodSeconds, nowMs);
  return new ApiError("rate_limited", `Too many ${what}; retry in ${retryAfter} s.`, undefined, { "retry-after": String(retryAfter) });
}

/** The rule with its limit multiplied (LIMITS_MULTIPLIER, where the bindings were scaled alike). */
export function scaledRule(rule: RateLimitRule, multiplier: number): RateLimitRule {
  return multiplier === 1 ? rule : { ...rule, limit: rule.limit * multiplier };
}

/**
 * IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers, structured fields): the policy
 * (`q` units per `w` seconds) and what is left of it (`r`) until the window resets (`t` seconds).
 */
export function rateLimitHeaders(
  rule: RateLimitRule,
  remaining: number,
  nowMs = Date.now(),
  resetSeconds = secondsUntilReset(rule.periodSeconds, nowMs),
): Record<string, string> {
  const name = JSON.stringify(rule.name);
  return {
    "ratelimit-policy": `${name};q=${rule.limit};w=${rule.periodSeconds}`,
    ratelimit: `${name};r=${Math.max(0, remaining)};t=${resetSeconds}`,
  };
}

/** Counts one use of `key` against the binding; throws 429 `rate_limited` when the window's limit is spent. */
export async function consumeOrThrow(limiter: RateLimit, rule: RateLimitRule, key: string, what: string): Promise<void> {
  const { success } = await limiter.limit({ key });
  if (!success) throw rateLimited(rule, what);
}
