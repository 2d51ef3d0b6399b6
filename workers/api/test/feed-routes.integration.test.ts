import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { FEED_CLOSE, SOCKET_CAP_RETRY_AFTER_SECONDS } from "../../../durable-objects/team-feed/feed-rpc";
import { FEED_TAG } from "../../../durable-objects/team-feed/socket-state";
import { FEED_TOKEN_TTL_SECONDS, mintFeedToken } from "../src/feed/feed-token";
import { hmacSha256Hex } from "../../shared/crypto";
import { newId } from "../../shared/ids";
import { limitsOf } from "../src/limits/plan-limits";
import { RATE_LIMIT_RULES } from "../src/limits/rate-limit";
import {
  broadcastAll,
  clickBatch,
  feedClient,
  feedOf,
  newLinkId,
  teamEvents,
  waitForTotals,
  type FeedClient,
} from "../../../durable-objects/team-feed/test/feed-client";
import { ADMIN, api, bearer, createTeam, expectError, json } from "./helpers";

const WS = { upgrade: "websocket" };
const tokenShape = z.strictObject({
  token: z.string().regex(/^ft2\.team_[0-9A-Z]{26}\.key_[0-9A-Z]{26}\.\d{10}\.[0-9a-f]{64}$/),
  expiresAt: z.iso.datetime(),
});
const newKeyShape = z.object({ id: z.string(), apiKey: z.string() });

async function addKey(teamId: string): Promise<{ id: string; auth: Record<string, string> }> {
  const res = await api(`/v1/admin/teams/${teamId}/keys`, json({}, ADMIN));
  expect(res.status).toBe(201);
  const key = newKeyShape.parse(await res.json());
  return { id: key.id, auth: bearer(key.apiKey) };
}

async function openFeed(token: string, headers: Record<string, string> = {}): Promise<FeedClient> {
  const client = feedClient(await api(`/v1/feed?token=${token}`, { headers: { ...WS, ...headers } }));
  await client.waitFor("ready");
  return client;
}

async function tokenFor(auth: Record<string, string>): Promise<string> {
  const res = await api("/v1/feed/token", { method: "POST", headers: auth });
  expect(res.status).toBe(201);
  return tokenShape.parse(await res.json()).token;
}

/** No socket was ever accepted by the team's object: the request was refused before the upgrade. */
async function expectNoSockets(teamId: string): Promise<void> {
  expect(await runInDurableObject(feedOf(teamId), (_, state) => state.getWebSockets().length)).toBe(0);
}

describe("POST /v1/feed/token", () => {
  it("gives a team a short-lived token", async () => {
    const team = await createTeam();
    const before = Date.now();
    const res = await api("/v1/feed/token", { method: "POST", headers: team.auth });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = tokenShape.parse(await res.json());
    expect(body.token.split(".")[1]).toBe(team.id);
    // The key it was minted with: the team's only key so far.
    const key = await env.LINKS_DB.prepare("SELECT id FROM api_keys WHERE team_id = ?").bind(team.id).first<{ id: string }>();
    expect(body.token.split(".")[2]).toBe(key?.id);
    const expires = Date.parse(body.expiresAt);
    expect(expires).toBeGreaterThan(before);
    expect(expires).toBeLessThanOrEqual(Date.now() + FEED_TOKEN_TTL_SECONDS * 1000);
  });

  it("needs an API key", async () => {
    await expectError(await api("/v1/feed/token", { method: "POST" }), 401, "unauthorized");
    await expectError(await api("/v1/feed/token", { method: "POST", headers: { authorization: "Bearer lf_nope" } }), 401, "unauthorized");
  });
});

describe("GET /v1/feed", () => {
  it("upgrades to the token's team feed: replay, then live events of that team only", async () => {
    const [a, b] = [await createTeam("A"), await createTeam("B")];
    const earlier = teamEvents(a.id, 3);
    await broadcastAll(a.id, earlier);
    const client = feedClient(await api(`/v1/feed?token=${await tokenFor(a.auth)}&since=${earlier[0]?.id}`, { headers: WS }));
    expect(await client.waitFor("ready")).toEqual([{ type: "ready", lastEventId: earlier[2]?.id, replayed: 2 }]);

    await broadcastAll(b.id, teamEvents(b.id, 5));
    const live = teamEvents(a.id, 2);
    await broadcastAll(a.id, live);
    await client.waitFor("event", 4);
    expect(client.eventIds()).toEqual([...earlier.slice(1), ...live].map((e) => e.id));
    expect(client.frames.flatMap((f) => (f.type === "event" ? [f.event.teamId] : []))).toEqual(Array(4).fill(a.id));
  });

  it("carries click ticks of the token's team only, beside its events", async () => {
    const [a, b] = [await createTeam("A"), await createTeam("B")];
    const [aClient, bClient] = [await openFeed(await tokenFor(a.auth)), await openFeed(await tokenFor(b.auth))];
    const link = { linkId: newLinkId(), slug: "routed" };
    await feedOf(a.id).recordClicks({ teamId: a.id, batches: [clickBatch(a.id, [{ ...link, clicks: 2 }])] });
    await waitForTotals(aClient, { [link.linkId]: 2 });
    expect(await aClient.waitFor("clicks")).toEqual([{ type: "clicks", at: expect.any(String), counts: [{ ...link, clicks: 2 }] }]);
    expect(bClient.frames.filter((frame) => frame.type === "clicks")).toEqual([]);
  });

  it("refuses a missing, expired, forged or re-addressed token with 401, before the upgrade", async () => {
    const [a, b] = [await createTeam("A"), await createTeam("B")];
    const valid = await tokenFor(a.auth);
    const [version, , keyId = "", expires, signature] = valid.split(".");
    const claims = { teamId: a.id, keyId };
    const expired = (await mintFeedToken(env.FEED_TOKEN_SECRET, claims, new Date(Date.now() - 1_000))).token;
    const otherSecret = (await mintFeedToken("some-other-secret-0123456789", claims, new Date(Date.now() + 30_000))).token;
    const tooLong = (await mintFeedToken(env.FEED_TOKEN_SECRET, claims, new Date(Date.now() + 3_600_000))).token;
    const otherTeam = [version, b.id, keyId, expires, signature].join(".");
    const otherKey = [version, a.id, newId("key"), expires, signature].join(".");
    const laterExpiry = [version, a.id, keyId, String(Number(expires) + 3_000), signature].join(".");
    // A well-signed token of the first version, which named no key: no longer accepted.
    const v1Claims = `ft1.${a.id}.${expires}`;
    const v1 = `${v1Claims}.${await hmacSha256Hex(env.FEED_TOKEN_SECRET, v1Claims)}`;
    const refused = [
      "",
      "?token=",
      `?token=${expired}`,
      `?token=${otherSecret}`,
      `?token=${tooLong}`,
      `?token=${otherTeam}`,
      `?token=${otherKey}`,
      `?token=${laterExpiry}`,
      `?token=${valid}x`,
      `?token=${v1}`,
    ];
    // Each from its own address, so these do not spend one address's guesses.
    for (const [i, query] of refused.entries()) {
      await expectError(await api(`/v1/feed${query}`, { headers: { ...WS, "cf-connecting-ip": `192.0.2.${i + 1}` } }), 401, "unauthorized");
    }
    await expectNoSockets(a.id);
    await expectNoSockets(b.id);
  });

  it("answers 426 to a request that is not a WebSocket upgrade, and 400 to a malformed since", async () => {
    const team = await createTeam();
    const res = await api(`/v1/feed?token=${await tokenFor(team.auth)}`);
    await expectError(res, 426, "upgrade_required");
    expect(res.headers.get("upgrade")).toBe("websocket");
    await expectError(await api(`/v1/feed?token=${await tokenFor(team.auth)}&since=evt_nope`, { headers: WS }), 400, "invalid_request");
    await expectNoSockets(team.id);
  });

  it("is in the OpenAPI document, with its limits", async () => {
    const doc = z
      .object({
        paths: z.record(z.string(), z.record(z.string(), z.object({ description: z.string().optional(), responses: z.record(z.string(), z.unknown()) }))),
      })
      .parse(await (await api("/openapi.json")).json());
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/feed/token", "/v1/feed"]));
    const feed = doc.paths["/v1/feed"]?.["get"];
    expect(Object.keys(feed?.responses ?? {})).toContain("429");
    expect(feed?.description).toContain("4001");
    expect(feed?.description).toContain('{type: "clicks", at, counts: [{linkId, slug, clicks}]}');
  });
});

describe("GET /v1/feed: revoked keys", () => {
  it("closes the sockets opened with a key when it is revoked (4001), refuses its earlier tokens, and keeps the team's other keys live", async () => {
    const team = await createTeam("Revokers");
    const doomed = await addKey(team.id);
    const [socket, unused] = [await tokenFor(doomed.auth), await tokenFor(doomed.auth)];
    const [client, spare] = [await openFeed(socket), await openFeed(await tokenFor(team.auth))];

    expect((await api(`/v1/admin/teams/${team.id}/keys/${doomed.id}`, { method: "DELETE", headers: ADMIN })).status).toBe(204);
    const closed = await client.closed;
    expect({ code: closed.code, reason: closed.reason }).toEqual(FEED_CLOSE.keyRevoked);
    // A token minted just before the revocation, still within its minute, opens nothing.
    await expectError(await api(`/v1/feed?token=${unused}`, { headers: WS }), 401, "unauthorized");
    await runInDurableObject(feedOf(team.id), (_, state) => expect(state.getWebSockets(FEED_TAG)).toHaveLength(1));

    const events = teamEvents(team.id, 1);
    await broadcastAll(team.id, events);
    await spare.waitFor("event");
    expect(client.eventIds()).toEqual([]);
    // Revoking again answers 404 as before.
    await expectError(await api(`/v1/admin/teams/${team.id}/keys/${doomed.id}`, { method: "DELETE", headers: ADMIN }), 404, "not_found");
  });
});

describe("GET /v1/feed: limits", () => {
  it("counts failed tokens against the address's guesses: 429 rate_limited with Retry-After once spent; other addresses and valid tokens unaffected", async () => {
    const team = await createTeam();
    const guesser = { ...WS, "cf-connecting-ip": "198.51.100.7" };
    const bad = `ft2.${team.id}.${newId("key")}.${Math.floor(Date.now() / 1000) + 30}.${"0".repeat(64)}`;
    const { limit } = RATE_LIMIT_RULES.RL_GUESSES;
    // The binding counts in fixed windows: should one end mid-loop, the count starts over once.
    let tries = 0;
    let res = await api(`/v1/feed?token=${bad}`, { headers: guesser });
    while (res.status === 401 && tries < 2 * limit + 1) {
      await res.body?.cancel();
      tries += 1;
      res = await api(`/v1/feed?token=${bad}`, { headers: guesser });
    }
    expect(tries).toBeGreaterThanOrEqual(limit);
    const error = await expectError(res, 429, "rate_limited");
    expect(error.message).toMatch(/feed tokens/);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

    await expectError(await api(`/v1/feed?token=${bad}`, { headers: { ...WS, "cf-connecting-ip": "198.51.100.8" } }), 401, "unauthorized");
    await openFeed(await tokenFor(team.auth), { "cf-connecting-ip": "198.51.100.7" });
  });

  it("caps the sockets a team has open at its plan's limit: over it, 429 rate_limited with Retry-After and no socket", async () => {
    const team = await createTeam("Crowd", "free");
    const cap = limitsOf("free").feedSockets;
    const token = await tokenFor(team.auth);
    const clients = [];
    for (let i = 0; i < cap; i += 1) clients.push(await openFeed(token));
    const refused = await api(`/v1/feed?token=${token}`, { headers: WS });
    expect(refused.headers.get("retry-after")).toBe(String(SOCKET_CAP_RETRY_AFTER_SECONDS));
    await expectError(refused, 429, "rate_limited");
    await runInDurableObject(feedOf(team.id), (_, state) => expect(state.getWebSockets(FEED_TAG)).toHaveLength(cap));
  });

  it("gives a pro team its larger cap", async () => {
    const team = await createTeam("Pros", "pro");
    const token = await tokenFor(team.auth);
    for (let i = 0; i <= limitsOf("free").feedSockets; i += 1) await openFeed(token);
  });
});

describe("GET /dashboard", () => {
  it("serves the page from the static assets, not as a short link", async () => {
    const res = await api("/dashboard");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toContain("<title>Linkflow");
  });

  it("leaves every other path to the Worker", async () => {
    expect((await api(`/${newId("lnk").slice(-7)}`)).status).toBe(404);
  });
});
