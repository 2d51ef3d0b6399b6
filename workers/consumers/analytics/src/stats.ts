import { WorkerEntrypoint } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { z } from "zod";
import { invalidRpcInput, parseRpcInput, rpcOk, type RpcResult } from "../../../shared/rpc";
import { analyticsLinks } from "#db/analytics";
import { readStats } from "./stats-read";
import { linkStatsInputSchema, resolveRange, teamStatsInputSchema, type StatsInterval, type StatsRange, type StatsView } from "#contracts/analytics/stats";

/** The input, then its date range: a range the schema admits can still be backwards or too long. */
function parseStatsInput<T extends z.ZodType<{ from?: string | undefined; to?: string | undefined; interval?: StatsInterval | undefined }>>(
  schema: T,
  input: unknown,
): RpcResult<{ query: z.infer<T>; range: StatsRange }> {
  const parsed = parseRpcInput(schema, input);
  if (!parsed.ok) return parsed;
  const resolved = resolveRange(parsed.value, new Date());
  if ("issues" in resolved) return invalidRpcInput(resolved.issues);
  return rpcOk({ query: parsed.value, range: resolved.range });
}

/**
 * The analytics Worker's RPC face, bound by the api Worker. Nobody else reads
 * ANALYTICS_DB. Every answer is scoped to the team the caller names.
 */
export class Stats extends WorkerEntrypoint<AnalyticsEnv> {
  /** One link's stats; null when the link is known to belong to another team. */
  async forLink(input: unknown): Promise<RpcResult<StatsView | null>> {
    const parsed = parseStatsInput(linkStatsInputSchema, input);
    if (!parsed.ok) return parsed;
    const { query, range } = parsed.value;
    const db = this.env.ANALYTICS_DB;
    const owner = await drizzle(db).select({ teamId: analyticsLinks.teamId }).from(analyticsLinks).where(eq(analyticsLinks.linkId, query.linkId)).get();
    if (owner && owner.teamId !== query.teamId) return rpcOk(null);
    // No row yet: the link has no processed event so far, which is zero clicks, not an error.
    return rpcOk(await readStats(db, { teamId: query.teamId, linkId: query.linkId }, range));
  }

  /** Totals over every link of the team, deleted ones included (their clicks happened). */
  async forTeam(input: unknown): Promise<RpcResult<StatsView>> {
    const parsed = parseStatsInput(teamStatsInputSchema, input);
    if (!parsed.ok) return parsed;
    const { query, range } = parsed.value;
    return rpcOk(await readStats(this.env.ANALYTICS_DB, { teamId: query.teamId }, range));
  }
}
