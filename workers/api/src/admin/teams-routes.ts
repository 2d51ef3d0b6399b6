import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { and, eq, isNull } from "drizzle-orm";
import { apiKeys, teams } from "#db/links";
import { generateApiKey } from "../auth/api-key";
import { ApiError } from "../http/errors";
import { requireJsonBody } from "../http/json-body";
import { rpcValueOrThrow } from "../http/rpc-value";
import type { AppEnv } from "../app-env";
import { adminSecurity, commonErrors, jsonContent, newRouter } from "../http/openapi";
import { ID_PATTERN, newId } from "../../../shared/ids";
import { isSafeText } from "../links/text-policy";
import { adminActor, auditEvent, insertAuditEvent, insertAuditEventIfChanged, publishAudit } from "./audit";

/** Teams and their keys: mounted inside adminRoutes, whose guard it shares. */
export const adminTeamsRoutes = newRouter();

const name = z.string().trim().min(1).max(100).refine(isSafeText, "must not contain control or invisible characters");
const createTeamSchema = z.strictObject({ name, plan: z.enum(["free", "pro"]).default("free") }).openapi("CreateTeam");
const createKeySchema = z.strictObject({ name: name.optional() }).openapi("CreateApiKey");
const teamSchema = z.object({ id: z.string(), name: z.string(), plan: z.enum(["free", "pro"]) }).openapi("Team");
const teamParam = z.object({ teamId: z.string().openapi({ param: { name: "teamId", in: "path" } }) });
const keyParam = teamParam.extend({ keyId: z.string().openapi({ param: { name: "keyId", in: "path" } }) });

adminTeamsRoutes.openapi(
  createRoute({
    method: "post",
    path: "/teams",
    middleware: [requireJsonBody],
    tags: ["Admin"],
    security: adminSecurity,
    request: { body: { required: true, content: { "application/json": { schema: createTeamSchema } } } },
    responses: { 201: jsonContent(z.object({ team: teamSchema, apiKey: z.string() }), "The team and its first API key (shown once)"), ...commonErrors },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const now = new Date().toISOString();
    const team = { id: newId("team"), name: body.name, plan: body.plan, createdAt: now };
    // Billing owns the plan it reports; tell it first, so a team never exists without it.
    // Should billing be down this answers 500 and writes nothing; a retry is safe (a fresh id).
    rpcValueOrThrow(await c.env.BILLING.setPlan({ teamId: team.id, plan: team.plan }));
    const key = await generateApiKey();
    const keyRow = { id: newId("key"), teamId: team.id, name: "default", prefix: key.prefix, keyHash: key.hash, createdAt: now };
    const actor = await adminActor(c.env);
    const audit = [
      auditEvent(c, "TeamCreated", team.id, { actor, team }, team.id, now),
      auditEvent(c, "ApiKeyMinted", keyRow.id, { actor, keyId: keyRow.id, name: keyRow.name, createdAt: now }, team.id, now),
    ];
    const db = c.get("db");
    await db.batch([db.insert(teams).values(team), db.insert(apiKeys).values(keyRow), ...audit.map((e) => insertAuditEvent(db, e))]);
    await publishAudit(c, audit);
    return c.json({ team: { id: team.id, name: team.name, plan: team.plan }, apiKey: key.key }, 201);
  },
);

adminTeamsRoutes.openapi(
  createRoute({
    method: "post",
    path: "/teams/{teamId}/keys",
    middleware: [requireJsonBody],
    tags: ["Admin"],
    security: adminSecurity,
    request: { params: teamParam, body: { required: true, content: { "application/json": { schema: createKeySchema } } } },
    responses: { 201: jsonContent(z.object({ id: z.string(), apiKey: z.string(), prefix: z.string() }), "The new key (shown once)"), ...commonErrors },
  }),
  async (c) => {
    const { teamId } = c.req.valid("param");
    const db = c.get("db");
    if (!ID_PATTERN.team.test(teamId) || !(await db.select({ id: teams.id }).from(teams).where(eq(teams.id, teamId)).get())) {
      throw ApiError.notFound("Team");
    }
    const key = await generateApiKey();
    const id = newId("key");
    const row = { id, teamId, name: c.req.valid("json").name ?? "unnamed", prefix: key.prefix, keyHash: key.hash, createdAt: new Date().toISOString() };
    const minted = auditEvent(
      c,
      "ApiKeyMinted",
      id,
      { actor: await adminActor(c.env), keyId: id, name: row.name, createdAt: row.createdAt },
      teamId,
      row.createdAt,
    );
    await db.batch([db.insert(apiKeys).values(row), insertAuditEvent(db, minted)]);
    await publishAudit(c, [minted]);
    return c.json({ id, apiKey: key.key, prefix: key.prefix }, 201);
  },
);

adminTeamsRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/teams/{teamId}/keys/{keyId}",
    tags: ["Admin"],
    security: adminSecurity,
    description:
      "Revokes the key: API calls with it answer 401 from the next request on, feed tokens minted with it stop opening the live feed, " +
      "and live-feed sockets opened with it are closed with code 4001 (`api key revoked`). Revoking a key already revoked answers 404 " +
      "(and closes any of its sockets again, so a retry after a failed answer still ends them).",
    request: { params: keyParam },
    responses: { 204: { description: "Revoked; the key stops working at once, its live-feed sockets are closed" }, ...commonErrors },
  }),
  async (c) => {
    const { teamId, keyId } = c.req.valid("param");
    if (!ID_PATTERN.team.test(teamId) || !ID_PATTERN.key.test(keyId)) throw ApiError.notFound("API key");
    const db = c.get("db");
    const { result, revoked } = await revokeKeyWithEvent(c, teamId, keyId);
    const revokedNow = result.meta.changes === 1;
    // Already revoked: a retry after an answer that failed below must still end the key's sockets.
    const known =
      revokedNow ||
      (await db
        .select({ id: apiKeys.id })
        .from(apiKeys)
        .where(and(eq(apiKeys.id, keyId), eq(apiKeys.teamId, teamId)))
        .get()) !== undefined;
    if (!known) throw ApiError.notFound("API key");
    // After the write, so a connect that checked the key before it is refused by the object itself.
    await c.env.TEAM_FEED.get(c.env.TEAM_FEED.idFromName(teamId)).closeKey({ teamId, keyId });
    if (!revokedNow) throw ApiError.notFound("API key");
    await publishAudit(c, [revoked]);
    return c.body(null, 204);
  },
);

/** The revocation and its ApiKeyRevoked event in one D1 batch; the event only if a key was revoked. */
async function revokeKeyWithEvent(c: Context<AppEnv>, teamId: string, keyId: string) {
  const db = c.get("db");
  const revokedAt = new Date().toISOString();
  const revoked = auditEvent(c, "ApiKeyRevoked", keyId, { actor: await adminActor(c.env), keyId, revokedAt }, teamId, revokedAt);
  const [result] = await db.batch([
    db
      .update(apiKeys)
      .set({ revokedAt })
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.teamId, teamId), isNull(apiKeys.revokedAt))),
    insertAuditEventIfChanged(db, revoked),
  ]);
  return { result, revoked };
}
