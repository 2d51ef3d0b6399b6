import type { Plan } from "#contracts/billing/plans";

/**
 * Every per-plan abuse limit in one place (the monthly link quota is billing's, in
 * contracts/billing/plans.ts). README "Limits" states these numbers; the
 * request-rate limits are enforced by the Rate Limiting bindings in wrangler.toml, whose
 * `simple` limits must equal `requestsPerMinute` here (test/tooling checks it).
 */
export interface PlanLimits {
  /** API requests per key and minute (Rate Limiting binding RL_API_FREE / RL_API_PRO). */
  requestsPerMinute: number;
  /** New links per team and minute, single and bulk creates together (counted on the links table). */
  linksPerMinute: number;
  /** Webhook endpoints a team may have. */
  webhookEndpoints: number;
  /** Live-feed sockets open at once per team. */
  feedSockets: number;
}

export const PLAN_LIMITS = {
  free: { requestsPerMinute: 600, linksPerMinute: 120, webhookEndpoints: 10, feedSockets: 20 },
  pro: { requestsPerMinute: 3_000, linksPerMinute: 1_200, webhookEndpoints: 50, feedSockets: 200 },
} as const satisfies Record<Plan, PlanLimits>;

export function limitsOf(plan: Plan): PlanLimits {
  return PLAN_LIMITS[plan];
}
