import { PLAN_LINK_LIMITS, periodBounds, periodOf, type Plan } from "#contracts/billing/plans";
import { ApiError } from "../http/errors";

/**
 * The monthly link quota, enforced on the api's own links table (README "Quota"):
 * each link insert is guarded by the count of the team's links created in the same
 * UTC month, inside the same D1 batch. D1 runs a batch as one transaction, so the
 * check is exact even for concurrent requests, and link creation never waits on (or
 * fails with) the billing Worker. Billing counts the same links from LinkCreated,
 * against the same plan limits, for `GET /v1/usage`.
 */
export interface LinkQuota {
  plan: Plan;
  limit: number;
}

export function linkQuotaOf(plan: Plan): LinkQuota {
  return { plan, limit: PLAN_LINK_LIMITS[plan] };
}

/** The UTC month a link counts in, as a half-open range of ISO timestamps (as `created_at` stores them). */
export function quotaWindow(createdAt: string): { start: string; end: string } {
  return periodBounds(periodOf(createdAt));
}

export function quotaExceeded(quota: LinkQuota): ApiError {
  return new ApiError("quota_exceeded", `The ${quota.plan} plan allows ${quota.limit} new links a month; this month's are used up.`);
}
