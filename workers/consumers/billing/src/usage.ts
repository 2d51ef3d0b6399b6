import { WorkerEntrypoint } from "cloudflare:workers";
import { DEFAULT_PLAN, PLAN_LINK_LIMITS, periodOf, planSchema, type Plan } from "#contracts/billing/plans";
import { parseRpcInput, rpcOk, type RpcResult } from "../../../shared/rpc";
import { setPlanInputSchema, usageInputSchema, type UsageView } from "#contracts/billing/usage";

/**
 * The billing Worker's RPC face, bound by the api Worker: team plans (billing owns
 * them) and usage per calendar month. Nobody else reads BILLING_DB.
 */
export class Usage extends WorkerEntrypoint<BillingEnv> {
  /** Sets a team's plan; the api calls it when an admin creates the team. Idempotent. */
  async setPlan(input: unknown): Promise<RpcResult<{ teamId: string; plan: Plan }>> {
    const parsed = parseRpcInput(setPlanInputSchema, input);
    if (!parsed.ok) return parsed;
    const { teamId, plan } = parsed.value;
    await this.env.BILLING_DB.prepare(
      "INSERT INTO team_plans (team_id, plan, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (team_id) DO UPDATE SET plan = excluded.plan, updated_at = excluded.updated_at",
    )
      .bind(teamId, plan, new Date().toISOString())
      .run();
    return rpcOk({ teamId, plan });
  }

  /** Links created in a month (default: the current UTC month) as the usage ledger has them. */
  async forTeam(input: unknown): Promise<RpcResult<UsageView>> {
    const parsed = parseRpcInput(usageInputSchema, input);
    if (!parsed.ok) return parsed;
    const { teamId, period = periodOf(new Date()) } = parsed.value;
    const db = this.env.BILLING_DB;
    const [plans, counts] = await db.batch<Record<string, unknown>>([
      db.prepare("SELECT plan FROM team_plans WHERE team_id = ?").bind(teamId),
      db.prepare("SELECT count(*) AS n FROM usage_ledger WHERE team_id = ? AND period = ?").bind(teamId, period),
    ]);
    const stored = planSchema.safeParse(plans?.results[0]?.["plan"]);
    const plan = stored.success ? stored.data : DEFAULT_PLAN;
    const linksCreated = Number(counts?.results[0]?.["n"] ?? 0);
    return rpcOk({ plan, period, linksCreated, linkLimit: PLAN_LINK_LIMITS[plan] });
  }
}
