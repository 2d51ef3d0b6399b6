import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ADMIN, api, bearer, createTeam, expectError, json, tableCounts, type LinkBody, type TestTeam } from "./helpers";

/**
 * The api's D1 sessions (http/db-session.ts, README "Read replicas and read-your-writes").
 * Locally every session reads the one database, so these tests check the contract (which
 * requests open which session, the bookmark both ways) and, by watching withSession(), which
 * queries go through a session at all: what must stay on the primary never does.
 */

const HEADER = "Linkflow-Bookmark";

interface SessionLog {
  start: string;
  statements: string[];
}

/** Records every session the api opens on LINKS_DB, and every statement prepared through one. */
function watchSessions(): SessionLog[] {
  const sessions: SessionLog[] = [];
  const withSession = env.LINKS_DB.withSession.bind(env.LINKS_DB);
  vi.spyOn(env.LINKS_DB, "withSession").mockImplementation((start) => {
    const session = withSession(start);
    const log: SessionLog = { start: String(start), statements: [] };
    sessions.push(log);
    const prepare = session.prepare.bind(session);
    vi.spyOn(session, "prepare").mockImplementation((query: string) => {
      log.statements.push(query);
      return prepare(query);
    });
    return session;
  });
  return sessions;
}

afterEach(() => {
  vi.restoreAllMocks();
});

async function createLinkAnswer(team: TestTeam, url: string): Promise<{ link: LinkBody; bookmark: string }> {
  const res = await api("/v1/links", json({ url }, team.auth));
  expect(res.status, await res.clone().text()).toBe(201);
  const bookmark = res.headers.get(HEADER);
  expect(bookmark).toBeTruthy();
  return { link: (await res.json()) as LinkBody, bookmark: bookmark ?? "" };
}

describe("D1 sessions and Linkflow-Bookmark", () => {
  it("answers a write with a bookmark; a GET sending it back sees the write and answers one again", async () => {
    const team = await createTeam("Bookmarks");
    const { link, bookmark } = await createLinkAnswer(team, "https://example.com/bookmarked");
    // Locally a bookmark is four dash-separated hex fields; D1 documents it as opaque.
    expect(bookmark).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/);

    const list = await api("/v1/links", { headers: { ...team.auth, [HEADER]: bookmark } });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { data: LinkBody[] };
    expect(body.data.map((l) => l.id)).toContain(link.id);
    const after = list.headers.get(HEADER) ?? "";
    expect(after >= bookmark, `${after} >= ${bookmark}`).toBe(true);

    const one = await api(`/v1/links/${link.id}`, { headers: { ...team.auth, [HEADER]: after } });
    expect(one.status).toBe(200);
    expect(one.headers.get(HEADER)).toBeTruthy();

    // The link's event was written in the same batch: the event log, read from the bookmark, has it.
    const log = await api(`/v1/events?subject=${link.id}`, { headers: { ...team.auth, [HEADER]: bookmark } });
    expect(log.status, await log.clone().text()).toBe(200);
    expect(((await log.json()) as { data: { type: string }[] }).data.map((e) => e.type)).toContain("LinkCreated");
    expect(log.headers.get(HEADER)).toBeTruthy();
  });

  it("moves bookmarks only forward: a later write's compares above an earlier one's (D1 bookmarks sort oldest to newest)", async () => {
    const team = await createTeam("Forward");
    const first = await createLinkAnswer(team, "https://example.com/first");
    const second = await createLinkAnswer(team, "https://example.com/second");
    expect(second.bookmark > first.bookmark, `${second.bookmark} > ${first.bookmark}`).toBe(true);
    const patch = await api(`/v1/links/${first.link.id}`, { ...json({ title: "Changed" }, team.auth), method: "PATCH" });
    expect(patch.status).toBe(200);
    expect((patch.headers.get(HEADER) ?? "") > second.bookmark).toBe(true);
    const del = await api(`/v1/links/${second.link.id}`, { method: "DELETE", headers: team.auth });
    expect(del.status).toBe(204);
    expect((del.headers.get(HEADER) ?? "") > (patch.headers.get(HEADER) ?? "")).toBe(true);
  });

  it("serves a GET without a bookmark from a first-unconstrained session, and answers its bookmark", async () => {
    const team = await createTeam("No bookmark");
    const sessions = watchSessions();
    const res = await api("/v1/links", { headers: team.auth });
    expect(res.status).toBe(200);
    expect(res.headers.get(HEADER)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/);
    expect(sessions.map((s) => s.start)).toEqual(["first-unconstrained"]);
  });

  it("starts a GET from the client's bookmark, and every write first-primary whatever the client sent", async () => {
    const team = await createTeam("Starts");
    const { bookmark } = await createLinkAnswer(team, "https://example.com/starts");
    const sessions = watchSessions();
    expect((await api("/v1/links", { headers: { ...team.auth, [HEADER]: bookmark } })).status).toBe(200);
    expect((await api("/v1/links", json({ url: "https://example.com/starts-2" }, { ...team.auth, [HEADER]: bookmark }))).status).toBe(201);
    expect(sessions.map((s) => s.start)).toEqual([bookmark, "first-primary"]);
    // The link writes (the guarded batch among them) went through the write's session, which D1 runs on the primary.
    expect(sessions[1]?.statements.some((sql) => /^insert into "links"/i.test(sql))).toBe(true);
  });

  it("keeps the API-key lookup and the admin routes on the primary: no session ever reads api_keys", async () => {
    const team = await createTeam("Primary keys");
    const sessions = watchSessions();
    await createLinkAnswer(team, "https://example.com/primary-keys");
    expect((await api("/v1/links", { headers: team.auth })).status).toBe(200);
    expect(sessions.length).toBe(2);
    expect(sessions.flatMap((s) => s.statements).filter((sql) => /api_keys/.test(sql))).toEqual([]);
    // Admin routes run on the primary: adding a key opens no session, and answers no bookmark.
    const added = await api(`/v1/admin/teams/${team.id}/keys`, json({}, ADMIN));
    expect(added.status).toBe(201);
    expect(added.headers.get(HEADER)).toBeNull();
    expect(sessions.length).toBe(2);
  });

  it("refuses a revoked key on the very next request, even one carrying a bookmark from before the revocation", async () => {
    const team = await createTeam("Revoked");
    const added = await api(`/v1/admin/teams/${team.id}/keys`, json({}, ADMIN));
    expect(added.status).toBe(201);
    const doomed = (await added.json()) as { id: string; apiKey: string };
    const { bookmark } = await createLinkAnswer({ ...team, apiKey: doomed.apiKey, auth: bearer(doomed.apiKey) }, "https://example.com/before-revoke");

    const revoke = await api(`/v1/admin/teams/${team.id}/keys/${doomed.id}`, { method: "DELETE", headers: ADMIN });
    expect(revoke.status).toBe(204);
    const sessions = watchSessions();
    await expectError(await api("/v1/links", { headers: { ...bearer(doomed.apiKey), [HEADER]: bookmark } }), 401, "unauthorized");
    // Refused by the key check on the primary: no session was even opened.
    expect(sessions).toEqual([]);
    // The team's other key still reads, from the same bookmark.
    expect((await api("/v1/links", { headers: { ...team.auth, [HEADER]: bookmark } })).status).toBe(200);
  });

  it.each([
    ["a space inside", "00000000-00000001 00000000"],
    ["longer than 256 characters", "0".repeat(257)],
    ["empty", ""],
    ["a session constraint instead of a bookmark", "first-primary"],
    ["the other session constraint", "first-unconstrained"],
  ])("refuses a bookmark with %s: 400 naming the header, and nothing happens", async (_name, bad) => {
    const team = await createTeam("Malformed");
    const before = await tableCounts();
    const sessions = watchSessions();
    for (const res of [
      await api("/v1/links", { headers: { ...team.auth, [HEADER]: bad } }),
      await api("/v1/links", json({ url: "https://example.com/never" }, { ...team.auth, [HEADER]: bad })),
    ]) {
      const error = await expectError(res, 400, "invalid_request");
      expect(error.message).toContain(HEADER);
      expect(error.issues?.[0]?.path).toBe(HEADER);
      expect(res.headers.get(HEADER)).toBeNull();
      // Refused before the key check: the key's rate limit was not counted.
      expect(res.headers.get("ratelimit")).toBeNull();
    }
    expect(sessions).toEqual([]);
    expect(await tableCounts()).toEqual(before);
  });

  it("echoes the client's bookmark when the request ran no query through a session", async () => {
    const team = await createTeam("Echo");
    const { bookmark } = await createLinkAnswer(team, "https://example.com/echo");
    // /v1/usage answers from billing's RPC, not D1.
    const res = await api("/v1/usage", { headers: { ...team.auth, [HEADER]: bookmark } });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get(HEADER)).toBe(bookmark);
  });

  it("documents the header on every team operation, as a parameter and on every answer", async () => {
    const doc = (await (await api("/openapi.json")).json()) as {
      info: { description: string };
      components: { headers: Record<string, unknown>; parameters: Record<string, { name: string; in: string }> };
      paths: Record<
        string,
        Record<string, { security?: Record<string, unknown>[]; parameters?: unknown[]; responses: Record<string, { headers?: Record<string, unknown> }> }>
      >;
    };
    expect(doc.info.description).toContain(HEADER);
    expect(doc.components.parameters["LinkflowBookmark"]).toMatchObject({ name: HEADER, in: "header" });
    expect(doc.components.headers["LinkflowBookmark"]).toBeDefined();
    const get = doc.paths["/v1/links"]?.["get"];
    expect(get?.parameters).toContainEqual({ $ref: "#/components/parameters/LinkflowBookmark" });
    expect(get?.responses["200"]?.headers?.[HEADER]).toEqual({ $ref: "#/components/headers/LinkflowBookmark" });
  });
});
