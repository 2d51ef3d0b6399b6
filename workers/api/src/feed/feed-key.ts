import { and, eq, isNull } from "drizzle-orm";
import { apiKeys, teams } from "#db/links";
import type { AuthenticatedTeam } from "../app-env";
import type { Database } from "../db";
import type { FeedTokenClaims } from "./feed-token";

/**
 * The plan of the team whose key minted a feed token, or null when the key is revoked or
 * gone (or not the team's). Asked of the links database without a read-replica session,
 * i.e. of the primary: a revocation a moment ago already counts.
 */
export async function activeKeyPlan(db: Database, claims: FeedTokenClaims): Promise<AuthenticatedTeam["plan"] | null> {
  const row = await db
    .select({ plan: teams.plan })
    .from(apiKeys)
    .innerJoin(teams, eq(teams.id, apiKeys.teamId))
    .where(and(eq(apiKeys.id, claims.keyId), eq(apiKeys.teamId, claims.teamId), isNull(apiKeys.revokedAt)))
    .get();
  return row?.plan ?? null;
}
