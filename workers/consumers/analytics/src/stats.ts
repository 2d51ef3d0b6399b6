import { WorkerEntrypoint } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { z } from "zod";
import { analyticsLinks } from "../../../../db/analytics";
import { readStats } from "./stats-read";
import { linkStatsInputSchema, resolveRange, teamStatsInputSchema, type DateRange, type StatsView } from "./stats-schemas";

function invalidInput(method: string, issues: { path: string; message: string }[]): TypeError {
  return new TypeError(`Stats.${method}: invalid input: ${issues.map((i) => `${i.path || "(input)"}: ${i.message}`).join("; ")}`);
}

/** RPC inputs are parsed; a refusal names the method and the bad fields (a ZodError loses them over RPC). */
function parseInputOrThrow<T extends z.ZodType<{ from?: string | undefined; to?: string | undefined }>>(
  schema: T,
  input: unknown,
  method: string,
): { query: z.infer<T>; range: DateRange } {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidInput(method, parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  const resolved = resolveRange(parsed.data, new Date());
  if ("issues" in resolved) throw invalidInput(method, resolved.issues);
  return { query: parsed.data, range: resolved.range };
}

/**
 * The analytics Worker's RPC face, bound by the api Worker. Nobody else reads
 * ANALYTICS_DB. Every answer is scoped to the team the caller names.
 */
export class Stats extends WorkerEntrypoint<AnalyticsEnv> {
  /** One link's stats; null when the link is known to belong to another team. */
  async forLink(input: unknown): Promise<StatsView | null> {
    const { query, range } = parseInputOrThrow(linkStatsInputSchema, input, "forLink");
    const db = this.env.ANALYTICS_DB;
    const owner = await drizzle(db).select({ teamId: analyticsLinks.teamId }).from(analyticsLinks).where(eq(analyticsLinks.linkId, query.linkId)).get();
    if (owner && owner.teamId !== query.teamId) return null;
    // No row yet: the link has no processed event so far, which is zero clicks, not an error.
    return readStats(db, { teamId: query.teamId, linkId: query.linkId }, range);
  }

  /** Totals over every link of the team, deleted ones included (their clicks happened). */
  async forTeam(input: unknown): Promise<StatsView> {
    const { query, range } = parseInputOrThrow(teamStatsInputSchema, input, "forTeam");
    return readStats(this.env.ANALYTICS_DB, { teamId: query.teamId }, range);
  }
}
