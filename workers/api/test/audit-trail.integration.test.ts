import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { logEventSchema, SYSTEM_TEAM_ID, type LogEvent } from "#events";
import { sha256Hex } from "../../shared/crypto";
import { ADMIN, api, createLink, createTeam, eventRowsOfTeam, expectError, json, receivedLogEvents, type EventRowView } from "./helpers";

const ADMIN_ACTOR = `admin:${(await sha256Hex(env.ADMIN_TOKEN)).slice(0, 12)}`;

async function auditRows(teamId: string): Promise<EventRowView[]> {
  return (await eventRowsOfTeam(teamId, { withAudit: true })).filter((row) => !row.type.startsWith("Link"));
}

async function systemRows(subject: string): Promise<EventRowView[]> {
  const { results } = await env.LINKS_DB.prepare("SELECT * FROM events WHERE team_id = ? AND subject = ? ORDER BY id")
    .bind(SYSTEM_TEAM_ID, subject)
    .all<EventRowView>();
  return results;
}

function envelopeOf(row: EventRowView): LogEvent {
  return logEventSchema.parse(JSON.parse(row.envelope));
}

/** Waits until the topic (`link-events`) got these events, exactly as the outbox stored them. */
async function expectPublished(rows: EventRowView[]): Promise<void> {
  const ids = new Set(rows.map((r) => r.id));
  const received = await vi.waitUntil(
    async () => {
      const got = (await receivedLogEvents()).filter((e) => ids.has(e.id));
      return got.length >= ids.size ? got : false;
    },
    { timeout: 5_000, interval: 20 },
  );
  expect(received).toEqual(expect.arrayContaining(rows.map(envelopeOf)));
}

describe("audit trail of admin actions", () => {
  it("records a team's creation and its first key, in the team's log, by the admin token's fingerprint", async () => {
    const res = await api("/v1/admin/teams", json({ name: "Audited", plan: "pro" }, ADMIN));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { team: { id: string }; apiKey: string };
    const rows = await auditRows(body.team.id);
    expect(rows.map((r) => r.type)).toEqual(["TeamCreated", "ApiKeyMinted"]);
    const [created, minted] = rows.map(envelopeOf);
    const key = await env.LINKS_DB.prepare("SELECT id, created_at FROM api_keys WHERE team_id = ?")
      .bind(body.team.id)
      .first<{ id: string; created_at: string }>();
    expect(created).toMatchObject({
      teamId: body.team.id,
      subject: body.team.id,
      data: { actor: ADMIN_ACTOR, team: { id: body.team.id, name: "Audited", plan: "pro" } },
    });
    expect(minted).toMatchObject({
      teamId: body.team.id,
      subject: key?.id,
      data: { actor: ADMIN_ACTOR, keyId: key?.id, name: "default", createdAt: key?.created_at },
    });
    expect(created?.traceId).toBe(minted?.traceId);
    await expectPublished(rows);
  });

  it("records keys minted and revoked; a revocation that revokes nothing records nothing", async () => {
    const team = await createTeam("Keys");
    const res = await api(`/v1/admin/teams/${team.id}/keys`, json({ name: "ci" }, ADMIN));
    expect(res.status).toBe(201);
    const key = (await res.json()) as { id: string };
    expect((await api(`/v1/admin/teams/${team.id}/keys/${key.id}`, { method: "DELETE", headers: ADMIN })).status).toBe(204);
    await expectError(await api(`/v1/admin/teams/${team.id}/keys/${key.id}`, { method: "DELETE", headers: ADMIN }), 404, "not_found");
    await expectError(await api(`/v1/admin/teams/${team.id}/keys/key_01JDQ8YX0R1A2B3C4D5E6F7G8H`, { method: "DELETE", headers: ADMIN }), 404, "not_found");
    await expectError(await api(`/v1/admin/teams/${team.id}/keys/not-a-key`, { method: "DELETE", headers: ADMIN }), 404, "not_found");
    await expectError(await api(`/v1/admin/teams/nope/keys/${key.id}`, { method: "DELETE", headers: ADMIN }), 404, "not_found");

    const rows = (await auditRows(team.id)).filter((r) => r.subject === key.id);
    expect(rows.map((r) => r.type)).toEqual(["ApiKeyMinted", "ApiKeyRevoked"]);
    const revokedAt = await env.LINKS_DB.prepare("SELECT revoked_at FROM api_keys WHERE id = ?").bind(key.id).first<{ revoked_at: string }>();
    expect(envelopeOf(rows[0] as EventRowView)).toMatchObject({ data: { actor: ADMIN_ACTOR, keyId: key.id, name: "ci" } });
    expect(envelopeOf(rows[1] as EventRowView)).toMatchObject({ data: { actor: ADMIN_ACTOR, keyId: key.id, revokedAt: revokedAt?.revoked_at } });
    await expectPublished(rows);
  });

  it("records replays and redrives under the reserved system team", async () => {
    const team = await createTeam("Replay audit");
    await createLink(team, { url: "https://example.com/audited" });
    const [linkEvent] = await eventRowsOfTeam(team.id);
    const res = await api("/v1/admin/replay", json({ subscriber: "analytics", eventIds: [linkEvent?.id] }, ADMIN));
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const [replay] = await systemRows(jobId);
    expect(replay && envelopeOf(replay)).toMatchObject({
      type: "ReplayStarted",
      teamId: SYSTEM_TEAM_ID,
      subject: jobId,
      data: { actor: ADMIN_ACTOR, jobId, subscriber: "analytics", since: null, eventIds: [linkEvent?.id], total: 1 },
    });

    expect((await api("/v1/admin/dead-letters/redrive", json({ subscriber: "billing" }, ADMIN))).status).toBe(202);
    const [redrive] = (await systemRows("billing")).slice(-1);
    expect(redrive && envelopeOf(redrive)).toMatchObject({
      type: "RedriveStarted",
      teamId: SYSTEM_TEAM_ID,
      subject: "billing",
      data: { actor: ADMIN_ACTOR, subscriber: "billing", ids: null },
    });
    await expectPublished([replay, redrive].filter((r): r is EventRowView => r !== undefined));

    // Bad input is refused before anything is recorded.
    const before = await env.LINKS_DB.prepare("SELECT count(*) AS n FROM events WHERE team_id = ?").bind(SYSTEM_TEAM_ID).first<{ n: number }>();
    await expectError(await api("/v1/admin/dead-letters/redrive", json({ subscriber: "nobody" }, ADMIN)), 400, "invalid_request");
    const after = await env.LINKS_DB.prepare("SELECT count(*) AS n FROM events WHERE team_id = ?").bind(SYSTEM_TEAM_ID).first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
  });

  it("lists a team's own audit events in GET /v1/events, never the system's or another team's", async () => {
    const a = await createTeam("Lister A");
    const b = await createTeam("Lister B");
    await api("/v1/admin/replay", json({ subscriber: "qr", since: new Date().toISOString() }, ADMIN));
    const list = (await (await api("/v1/events?limit=100", { headers: a.auth })).json()) as { data: { type: string; teamId: string }[] };
    expect(list.data.map((e) => e.type).sort()).toEqual(["ApiKeyMinted", "TeamCreated"]);
    expect(list.data.every((e) => e.teamId === a.id)).toBe(true);
    const created = (await (await api("/v1/events?type=TeamCreated", { headers: b.auth })).json()) as { data: { subject: string }[] };
    expect(created.data.map((e) => e.subject)).toEqual([b.id]);
    for (const type of ["ReplayStarted", "RedriveStarted"]) {
      const system = (await (await api(`/v1/events?type=${type}`, { headers: a.auth })).json()) as { data: unknown[] };
      expect(system.data).toEqual([]);
    }
    const [own] = await auditRows(a.id);
    const one = await api(`/v1/events/${own?.id}`, { headers: a.auth });
    expect(one.status).toBe(200);
    expect(((await one.json()) as { event: unknown }).event).toEqual(JSON.parse(own?.envelope ?? "null"));
    await expectError(await api(`/v1/events/${own?.id}`, { headers: b.auth }), 404, "not_found");
  });

  it("never carries a secret: no API key, key hash, key prefix or admin token in any audit event, stored or sent", async () => {
    const res = await api("/v1/admin/teams", json({ name: "Secrets" }, ADMIN));
    const { team, apiKey } = (await res.json()) as { team: { id: string }; apiKey: string };
    const minted = (await (await api(`/v1/admin/teams/${team.id}/keys`, json({}, ADMIN))).json()) as { id: string; apiKey: string; prefix: string };
    await api(`/v1/admin/teams/${team.id}/keys/${minted.id}`, { method: "DELETE", headers: ADMIN });
    await api("/v1/admin/replay", json({ subscriber: "webhooks", since: new Date().toISOString() }, ADMIN));
    await api("/v1/admin/dead-letters/redrive", json({ subscriber: "webhooks" }, ADMIN));

    const { results: keys } = await env.LINKS_DB.prepare("SELECT key_hash, prefix FROM api_keys WHERE team_id = ?")
      .bind(team.id)
      .all<{ key_hash: string; prefix: string }>();
    const secrets = [apiKey, minted.apiKey, env.ADMIN_TOKEN, await sha256Hex(env.ADMIN_TOKEN), ...keys.flatMap((k) => [k.key_hash, k.prefix])];
    expect(keys).toHaveLength(2);
    const { results: stored } = await env.LINKS_DB.prepare("SELECT envelope FROM events WHERE type NOT LIKE 'Link%'").all<{ envelope: string }>();
    expect(stored.length).toBeGreaterThanOrEqual(5);
    const sent = (await receivedLogEvents()).filter((e) => !e.type.startsWith("Link")).map((e) => JSON.stringify(e));
    for (const text of [...stored.map((r) => r.envelope), ...sent]) {
      for (const secret of secrets) expect(text.includes(secret), `${secret} in ${text}`).toBe(false);
    }
  });
});
