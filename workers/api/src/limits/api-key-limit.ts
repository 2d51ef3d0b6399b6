import type { AuthenticatedTeam } from "../app-env";
import { configOf } from "../config";
import { RATE_LIMIT_RULES, rateLimitHeaders, rateLimited, scaledRule } from "./rate-limit";
import { WindowEstimate } from "./window-estimate";

const BINDING_OF_PLAN = { free: "RL_API_FREE", pro: "RL_API_PRO" } as const satisfies Record<AuthenticatedTeam["plan"], keyof typeof RATE_LIMIT_RULES>;

// Key ids are unique across plans, so one estimate serves both bindings (both count per 60 s).
const estimate = new WindowEstimate(RATE_LIMIT_RULES.RL_API_FREE.periodSeconds);

/**
 * Counts one API request against the key's plan binding (per key, so one busy key never spends
 * another team's requests). Answers the RateLimit headers for the response; over the limit it
 * throws 429 `rate_limited` carrying them, with `r=0`, and Retry-After.
 */
export async function limitApiKeyOrThrow(env: ApiEnv, team: AuthenticatedTeam, nowMs = Date.now()): Promise<Record<string, string>> {
  const binding = BINDING_OF_PLAN[team.plan];
  const rule = scaledRule(RATE_LIMIT_RULES[binding], configOf(env).LIMITS_MULTIPLIER);
  const { success } = await env[binding].limit({ key: team.keyId });
  if (!success) {
    estimate.refuse(team.keyId, nowMs);
    throw rateLimited(rule, "requests with this API key", nowMs).withHeaders(rateLimitHeaders(rule, 0, nowMs));
  }
  estimate.use(team.keyId, nowMs);
  return rateLimitHeaders(rule, estimate.remaining(team.keyId, rule.limit, nowMs), nowMs);
}
