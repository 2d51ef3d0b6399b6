import { configOf } from "../config";
import type { ApiError } from "../http/errors";
import { RATE_LIMIT_RULES, rateLimitHeaders, rateLimited, scaledRule } from "./rate-limit";
import { WindowEstimate } from "./window-estimate";

// Addresses the binding refused in this window, and the failures this isolate saw (the `r` estimate).
const estimate = new WindowEstimate(RATE_LIMIT_RULES.RL_AUTH_FAILURES.periodSeconds);

function ruleOf(env: ApiEnv) {
  return scaledRule(RATE_LIMIT_RULES.RL_AUTH_FAILURES, configOf(env).LIMITS_MULTIPLIER);
}

function spent(env: ApiEnv, nowMs: number): ApiError {
  const rule = ruleOf(env);
  return rateLimited(rule, "failed authentications from this address", nowMs).withHeaders(rateLimitHeaders(rule, 0, nowMs));
}

/**
 * Before a presented credential is checked: an address that has spent its failed authentications
 * in this window gets 429 whatever it sends, so it cannot go on learning which keys are valid.
 * The binding cannot be asked without counting, so this remembers its refusals per isolate; in
 * another isolate the address gets one more answer before the binding refuses it there too.
 */
export function refuseSpentAddressOrThrow(env: ApiEnv, address: string, nowMs = Date.now()): void {
  if (estimate.refused(address, nowMs)) throw spent(env, nowMs);
}

/**
 * After a presented credential was refused: counts the failure against RL_AUTH_FAILURES for the
 * client's address and answers what to throw, `unauthorized` or, once the address has spent its
 * failures, 429 `rate_limited` with Retry-After. Both carry the auth-failures RateLimit headers.
 */
export async function countAuthFailure(env: ApiEnv, address: string, unauthorized: ApiError, nowMs = Date.now()): Promise<ApiError> {
  const { success } = await env.RL_AUTH_FAILURES.limit({ key: address });
  if (!success) {
    estimate.refuse(address, nowMs);
    return spent(env, nowMs);
  }
  estimate.use(address, nowMs);
  const rule = ruleOf(env);
  return unauthorized.withHeaders(rateLimitHeaders(rule, estimate.remaining(address, rule.limit, nowMs), nowMs));
}
