import { z } from "zod";
import { teamIdSchema } from "#events";
import { periodSchema, planSchema, type Plan } from "#contracts/billing/plans";

/** The Usage RPC contract: every input crosses a Worker boundary and is parsed. */
export const setPlanInputSchema = z.strictObject({ teamId: teamIdSchema, plan: planSchema });
export const usageInputSchema = z.strictObject({ teamId: teamIdSchema, period: periodSchema.optional() });

/** The answer of API.md `GET /v1/usage`. */
export interface UsageView {
  plan: Plan;
  period: string;
  linksCreated: number;
  linkLimit: number;
}
