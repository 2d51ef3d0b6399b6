import { and, eq, isNull, sql } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { apiKeys, teams } from "#db/links";
import { secretsEqual } from "../../../shared/crypto";
import type { AppEnv } from "../app-env";
import type { Database } from "../db";
import { ApiError } from "../http/errors";
import { limitApiKeyOrThrow } from "../limits/api-key-limit";
import { countAuthFailure, refuseSpentAddressOrThrow } from "../limits/auth-failures";
import { clientAddress } from "../limits/rate-limit";
import { API_KEY_PATTERN, hashApiKey } from "./api-key";
import { bearerTokenOrThrow } from "./bearer-token";

/** How stale `last_used_at` may get: writing it on every request would make every read a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

function unauthorized(): ApiError {
  return new ApiError("unauthorized", "The API key is not valid.", undefined, { "www-authenticate": "Bearer" });
}

function buildKeyLookup(db: Database) {
  return db
    .select({
      keyId: apiKeys.id,
      keyHash: apiKeys.keyHash,
      lastUsedAt: apiKeys.lastUsedAt,
      teamId: teams.id,
      teamName: teams.name,
      plan: teams.plan,
    })
    .from(apiKeys)
    .innerJoin(teams, eq(teams.id, apiKeys.teamId))
    .where(and(eq(apiKeys.keyHash, sql.placeholder("hash")), isNull(apiKeys.revokedAt)))
    .prepare();
}

// Every authenticated request runs this query: built once per database client and isolate
// (drizzle's query building cost more CPU than D1's own call), run with the key's hash.
const keyLookups = new WeakMap<Database, ReturnType<typeof buildKeyLookup>>();

function keyLookupOf(db: Database): ReturnType<typeof buildKeyLookup> {
  let lookup = keyLookups.get(db);
  if (!lookup) {
    lookup = buildKeyLookup(db);
    keyLookups.set(db, lookup);
  }
  return lookup;
}

/**
 * Resolves the API key to its team; revoked keys stop working on the very next request. Every
 * request with a valid key counts against its plan's per-key limit, and every answer after that
 * carries the RateLimit headers. A presented key that is not valid counts as a failed
 * authentication of the client's address (README "Limits"). Routers get it from teamRouter(),
 * once per request: each is mounted at a prefix no other guarded router shares.
 */
export const requireTeam = createMiddleware<AppEnv>(async (c, next) => {
  const key = bearerTokenOrThrow(c);
  const address = clientAddress(c.req.raw);
  refuseSpentAddressOrThrow(c.env, address);
  if (!API_KEY_PATTERN.test(key)) throw await countAuthFailure(c.env, address, unauthorized());
  const hash = await hashApiKey(key);
  const db = c.get("db");
  const row = await keyLookupOf(db).get({ hash });
  if (!row || !(await secretsEqual(hash, row.keyHash))) throw await countAuthFailure(c.env, address, unauthorized());

  const team = { id: row.teamId, name: row.teamName, plan: row.plan, keyId: row.keyId };
  const rateLimit = await limitApiKeyOrThrow(c.env, team);
  c.set("team", team);
  const now = Date.now();
  if (!row.lastUsedAt || now - Date.parse(row.lastUsedAt) > LAST_USED_RESOLUTION_MS) {
    c.executionCtx.waitUntil(
      db
        .update(apiKeys)
        .set({ lastUsedAt: new Date(now).toISOString() })
        .where(eq(apiKeys.id, row.keyId))
        .run(),
    );
  }
  await next();
  // After next(): errors downstream are already answers here, and routes that build their own
  // Response (not through c.json) get the headers too. Appended: a 429 of the links-per-minute
  // cap already states its own policy, and both are members of one structured-field list.
  for (const [name, value] of Object.entries(rateLimit)) c.header(name, value, { append: true });
});
