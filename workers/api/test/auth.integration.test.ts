import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN, api, bearer, createLink, createTeam, eventRowsFor, expectError, json, newClientAddress, tableCounts, unique, waitForEvents } from "./helpers";

interface NewKey {
  id: string;
  apiKey: string;
  prefix: string;
}

async function addKey(teamId: string, name?: string): Promise<NewKey> {
  const res = await api(`/v1/admin/teams/${teamId}/keys`, json(name === undefined ? {} : { name }, ADMIN));
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as NewKey;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

describe("API key authentication", () => {
  const wellFormedUnknown = `lf_${"A".repeat(43)}`;

  it.each([
    ["no Authorization header", {}],
    ["an empty Authorization header", { authorization: "" }],
    ["Basic instead of Bearer", { authorization: `Basic ${btoa("user:pass")}` }],
    ["Bearer without a token", { authorization: "Bearer " }],
    ["a token with spaces", { authorization: "Bearer lf_abc def" }],
    ["a key without the lf_ prefix", { authorization: `Bearer ${"A".repeat(46)}` }],
    ["a too-short lf_ key", { authorization: "Bearer lf_abc" }],
    ["a well-formed but unknown key", { authorization: `Bearer ${wellFormedUnknown}` }],
    ["the admin token used as an API key", ADMIN],
    ["a key with a character outside base64url", { authorization: `Bearer lf_${"A".repeat(42)}!` }],
    ["a key with one character too many", { authorization: `Bearer ${wellFormedUnknown}A` }],
  ])("answers 401 unauthorized for %s", async (_name, credentials: Record<string, string>) => {
    // Its own client address: these failed authentications count against one (README "Limits").
    const headers = { ...credentials, "cf-connecting-ip": newClientAddress() };
    const before = await tableCounts();
    for (const [method, path] of [
      ["GET", "/v1/links"],
      ["GET", "/v1/events"],
      ["GET", "/v1/links/lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC"],
    ] as const) {
      const res = await api(path, { method, headers });
      const error = await expectError(res, 401, "unauthorized");
      expect(error.message).not.toMatch(/lf_/);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    const post = await api("/v1/links", json({ url: "https://example.com/unauth" }, headers));
    await expectError(post, 401, "unauthorized");
    expect(await tableCounts()).toEqual(before);
  });

  it("checks the key before the body: a bad body with no key is still 401", async () => {
    const res = await api("/v1/links", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    await expectError(res, 401, "unauthorized");
  });
});

describe("admin routes", () => {
  it("create a team with its first key, and extra keys", async () => {
    const res = await api("/v1/admin/teams", json({ name: "Pro team", plan: "pro" }, ADMIN));
    expect(res.status).toBe(201);
    const body = (await res.json()) as { team: { id: string; name: string; plan: string }; apiKey: string };
    expect(body.team).toEqual({ id: expect.stringMatching(/^team_[0-9A-HJKMNP-TV-Z]{26}$/), name: "Pro team", plan: "pro" });
    expect(body.apiKey).toMatch(/^lf_[A-Za-z0-9_-]{43}$/);

    const free = await api("/v1/admin/teams", json({ name: "Free team" }, ADMIN));
    expect(((await free.json()) as { team: { plan: string } }).team.plan).toBe("free");

    const named = await addKey(body.team.id, "ci");
    const unnamed = await addKey(body.team.id);
    for (const key of [named, unnamed]) {
      expect(key.id).toMatch(/^key_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(key.apiKey).toMatch(/^lf_[A-Za-z0-9_-]{43}$/);
      expect(key.apiKey.startsWith(key.prefix)).toBe(true);
      expect(key.prefix.length).toBeLessThan(key.apiKey.length);
      const list = await api("/v1/links", { headers: bearer(key.apiKey) });
      expect(list.status).toBe(200);
    }
    expect(new Set([body.apiKey, named.apiKey, unnamed.apiKey]).size).toBe(3);
  });

  it("stores keys only as SHA-256 hashes plus a display prefix", async () => {
    const team = await createTeam("Hashing");
    const extra = await addKey(team.id, "second");
    const { results } = await env.LINKS_DB.prepare("SELECT * FROM api_keys WHERE team_id = ?").bind(team.id).all<Record<string, unknown>>();
    expect(results).toHaveLength(2);
    const dump = JSON.stringify(results);
    for (const key of [team.apiKey, extra.apiKey]) {
      expect(dump).not.toContain(key);
      expect(results.map((r) => r["key_hash"])).toContain(await sha256Hex(key));
    }
  });

  it.each([
    ["no token", {}],
    ["a wrong admin token", { authorization: "Bearer not-the-admin-token-at-all" }],
    ["the admin token with a suffix", { authorization: `${ADMIN.authorization}x` }],
    ["the admin token sent with the Basic scheme", { authorization: `Basic ${btoa(ADMIN.authorization)}` }],
  ])("refuse %s with 401", async (_name, credentials: Record<string, string>) => {
    const headers = { ...credentials, "cf-connecting-ip": newClientAddress() };
    const team = await createTeam("Target");
    const before = await tableCounts();
    await expectError(await api("/v1/admin/teams", json({ name: "Nope" }, headers)), 401, "unauthorized");
    await expectError(await api(`/v1/admin/teams/${team.id}/keys`, json({}, headers)), 401, "unauthorized");
    expect(await tableCounts()).toEqual(before);
  });

  it("refuse a team's API key (401 or 403, never success)", async () => {
    const team = await createTeam("Sneaky");
    const extra = await addKey(team.id);
    const before = await tableCounts();
    const attempts = [
      await api("/v1/admin/teams", json({ name: "Escalation" }, team.auth)),
      await api(`/v1/admin/teams/${team.id}/keys`, json({ name: "more" }, team.auth)),
      await api(`/v1/admin/teams/${team.id}/keys/${extra.id}`, { method: "DELETE", headers: team.auth }),
    ];
    for (const res of attempts) {
      expect([401, 403]).toContain(res.status);
      await expectError(res, res.status, res.status === 401 ? "unauthorized" : "forbidden");
    }
    expect(await tableCounts()).toEqual(before);
    expect((await api("/v1/links", { headers: bearer(extra.apiKey) })).status).toBe(200);
  });

  it("answer 404 for keys on unknown teams and unknown keys", async () => {
    const team = await createTeam("Known");
    await expectError(await api("/v1/admin/teams/team_01JDQ8YX0Q4RZ8K2D5F7G9H1JK/keys", json({}, ADMIN)), 404, "not_found");
    await expectError(await api("/v1/admin/teams/not-a-team/keys", json({}, ADMIN)), 404, "not_found");
    await expectError(await api(`/v1/admin/teams/${team.id}/keys/key_01JDQ8YX0Q4RZ8K2D5F7G9H1JK`, { method: "DELETE", headers: ADMIN }), 404, "not_found");
  });
});

describe("revoking a key", () => {
  it("stops it on the very next request while the team's other keys keep working", async () => {
    const team = await createTeam("Revokers");
    const doomed = await addKey(team.id, "doomed");
    const spare = await addKey(team.id, "spare");
    const link = await createLink({ id: team.id, apiKey: doomed.apiKey, auth: bearer(doomed.apiKey) }, { url: "https://example.com/revoke" });
    expect((await api(`/v1/links/${link.id}`, { headers: bearer(doomed.apiKey) })).status).toBe(200);

    const revoke = await api(`/v1/admin/teams/${team.id}/keys/${doomed.id}`, { method: "DELETE", headers: ADMIN });
    expect(revoke.status).toBe(204);
    expect(await revoke.text()).toBe("");

    await expectError(await api(`/v1/links/${link.id}`, { headers: bearer(doomed.apiKey) }), 401, "unauthorized");
    await expectError(await api("/v1/links", json({ url: "https://example.com/after-revoke" }, bearer(doomed.apiKey))), 401, "unauthorized");
    for (const key of [team.apiKey, spare.apiKey]) {
      const res = await api(`/v1/links/${link.id}`, { headers: bearer(key) });
      expect(res.status).toBe(200);
    }
    // Revoking again, or through another team's path, finds nothing to revoke.
    await expectError(await api(`/v1/admin/teams/${team.id}/keys/${doomed.id}`, { method: "DELETE", headers: ADMIN }), 404, "not_found");
    const other = await createTeam("Other");
    await expectError(await api(`/v1/admin/teams/${other.id}/keys/${spare.id}`, { method: "DELETE", headers: ADMIN }), 404, "not_found");
    expect((await api("/v1/links", { headers: bearer(spare.apiKey) })).status).toBe(200);
  });
});

describe("isolation between two teams", () => {
  it("B sees none of A's links or events, and cannot change them", async () => {
    const a = await createTeam("Team A");
    const b = await createTeam("Team B");
    const slug = unique("a-only");
    const linkA = await createLink(a, { url: "https://example.com/a-secret", slug, title: "A secret", tags: ["shared-tag"] });
    await createLink(b, { url: "https://example.com/b-own", tags: ["shared-tag"] });
    const [createdA] = await waitForEvents((e) => e.type === "LinkCreated" && e.subject === linkA.id);
    expect(createdA?.teamId).toBe(a.id);

    await expectError(await api(`/v1/links/${linkA.id}`, { headers: b.auth }), 404, "not_found");
    const patch = await api(`/v1/links/${linkA.id}`, { ...json({ title: "pwned" }, b.auth), method: "PATCH" });
    await expectError(patch, 404, "not_found");
    await expectError(await api(`/v1/links/${linkA.id}`, { method: "DELETE", headers: b.auth }), 404, "not_found");

    // A's link is untouched and no event was written for B's attempts.
    const stillA = (await (await api(`/v1/links/${linkA.id}`, { headers: a.auth })).json()) as { title: string };
    expect(stillA.title).toBe("A secret");
    expect((await eventRowsFor(linkA.id)).map((r) => r.type)).toEqual(["LinkCreated"]);
    expect((await api(`/${slug}`)).status).toBe(302);

    for (const query of ["", "?tag=shared-tag", `?q=${encodeURIComponent("a-secret")}`, "?limit=100"]) {
      const list = (await (await api(`/v1/links${query}`, { headers: b.auth })).json()) as { data: { id: string; teamId?: string }[] };
      expect(list.data.map((l) => l.id)).not.toContain(linkA.id);
    }
    const listA = (await (await api("/v1/links?tag=shared-tag", { headers: a.auth })).json()) as { data: { id: string }[] };
    expect(listA.data.map((l) => l.id)).toEqual([linkA.id]);

    // Events of A are invisible to B, whether listed, filtered by subject or fetched by id.
    const eventsB = (await (await api("/v1/events?limit=100", { headers: b.auth })).json()) as { data: { teamId: string; subject: string }[] };
    expect(eventsB.data.length).toBeGreaterThan(0);
    expect(eventsB.data.every((e) => e.teamId === b.id)).toBe(true);
    const bySubject = (await (await api(`/v1/events?subject=${linkA.id}`, { headers: b.auth })).json()) as { data: unknown[] };
    expect(bySubject.data).toEqual([]);
    await expectError(await api(`/v1/events/${createdA?.id}`, { headers: b.auth }), 404, "not_found");
    const own = await api(`/v1/events/${createdA?.id}`, { headers: a.auth });
    expect(own.status).toBe(200);
    expect(((await own.json()) as { event: { id: string } }).event.id).toBe(createdA?.id);
  });

  it("B's cursor made from A's link id never reveals A's links", async () => {
    const a = await createTeam("Cursor A");
    const b = await createTeam("Cursor B");
    for (let i = 0; i < 3; i++) await createLink(a, { url: `https://example.com/cursor-a/${i}` });
    const linkB = await createLink(b, { url: "https://example.com/cursor-b" });
    const pageA = (await (await api("/v1/links?limit=1", { headers: a.auth })).json()) as { nextCursor: string | null };
    expect(pageA.nextCursor).not.toBeNull();
    const res = await api(`/v1/links?cursor=${pageA.nextCursor}`, { headers: b.auth });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { data: { id: string }[] };
    expect(page.data.every((l) => l.id === linkB.id)).toBe(true);
  });
});
