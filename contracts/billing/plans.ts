import { z } from "zod";

/**
 * The plans and their monthly link allowance. The api Worker imports these numbers
 * (code, not data) to enforce the quota on its own links table; billing reports
 * usage against the same numbers.
 */
export const planSchema = z.enum(["free", "pro"]);
export type Plan = z.infer<typeof planSchema>;

export const PLAN_LINK_LIMITS = { free: 1_000, pro: 100_000 } as const satisfies Record<Plan, number>;

/** A team billing has never been told about is on the plan every team starts on. */
export const DEFAULT_PLAN: Plan = "free";

/** A calendar month, UTC. */
export const periodSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "expected a month YYYY-MM");

/** The month of an instant; ISO strings from events end in `Z`, so their first 7 characters are the UTC month. */
export function periodOf(at: Date | string): string {
  return (typeof at === "string" ? at : at.toISOString()).slice(0, 7);
}

/** The month as a half-open range of ISO timestamps, comparable as text with stored `...Z` times. */
export function periodBounds(period: string): { start: string; end: string } {
  const start = new Date(`${period}-01T00:00:00.000Z`);
  const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  return { start: start.toISOString(), end: end.toISOString() };
}
