import { WorkerEntrypoint } from "cloudflare:workers";
import type { z } from "zod";
import { DEFAULT_PLAN, PLAN_LINK_LIMITS, periodOf, planSchema, type Plan } from "../../../../contracts/billing/plans";
import { setPlanInputSchema, usageInputSchema, type UsageView } from "./usage-schemas";

/** RPC inputs are parsed; a refusal names the method and the bad fields (a ZodError loses them over RPC). */
function parseInputOrThrow<T extends z.ZodType>(schema: T, input: unknown, method: string): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join(".") || "(input)"}: ${i.message}`).join("; ");
    throw new TypeError(`Usage.${method}: invalid input: ${detail}`);
  }
  return parsed.data;
}

/**
 * The billing Worker's RPC face, bound by the api Worker: team plans (billing owns
 * them) and usage per calendar month. Nobody else reads BILLING_DB.
 */
export class Usage extends WorkerEntrypoint<BillingEnv> {
  /** Sets a team's plan; the api calls it when an admin creates the team. Idempotent. */
  async setPlan(input: unknown): Promise<{ teamId: string; plan: Plan }> {
    const { teamId, plan } = parseInputOrThrow(setPlanInputSchema, input, "setPlan");
    await this.env.BILLING_DB.prepare(
      "INSERT INTO team_plans (team_id, plan, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (team_id) DO UPDATE SET plan = excluded.plan, updated_at = excluded.updated_at",
    )
      .bind(teamId, plan, new Date().toISOString())
      .run();
    return { teamId, plan };
  }

  /** Links created in a month (default: the current UTC month) as the usage ledger has them. */
  async forTeam(input: unknown): Promise<UsageView> {
    const { teamId, period = periodOf(new Date()) } = parseInputOrThrow(usageInputSchema, input, "forTeam");
    const db = this.env.BILLING_DB;
    const [plans, counts] = await db.batch<Record<string, unknown>>([
      db.prepare("SELECT plan FROM team_plans WHERE team_id = ?").bind(teamId),
      db.prepare("SELECT count(*) AS n FROM usage_ledger WHERE team_id = ? AND period = ?").bind(teamId, period),
    ]);
    const stored = planSchema.safeParse(plans?.results[0]?.["plan"]);
    const plan = stored.success ? stored.data : DEFAULT_PLAN;
    const linksCreated = Number(counts?.results[0]?.["n"] ?? 0);
    return { plan, period, linksCreated, linkLimit: PLAN_LINK_LIMITS[plan] };
  }
}
