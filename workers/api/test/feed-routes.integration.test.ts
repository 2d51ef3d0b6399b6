import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { FEED_TOKEN_TTL_SECONDS, mintFeedToken } from "../src/feed/feed-token";
import { newId } from "../src/ids";
import { broadcastAll, feedClient, feedOf, teamEvents } from "../../../durable-objects/team-feed/test/feed-client";
import { api, createTeam, expectError } from "./helpers";

const WS = { upgrade: "websocket" };
const tokenShape = z.strictObject({ token: z.string().regex(/^ft1\.team_[0-9A-Z]{26}\.\d{10}\.[0-9a-f]{64}$/), expiresAt: z.iso.datetime() });

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

  it("refuses a missing, expired, forged or re-addressed token with 401, before the upgrade", async () => {
    const [a, b] = [await createTeam("A"), await createTeam("B")];
    const valid = await tokenFor(a.auth);
    const [version, , expires, signature] = valid.split(".");
    const expired = (await mintFeedToken(env.FEED_TOKEN_SECRET, a.id, new Date(Date.now() - 1_000))).token;
    const otherSecret = (await mintFeedToken("some-other-secret-0123456789", a.id, new Date(Date.now() + 30_000))).token;
    const tooLong = (await mintFeedToken(env.FEED_TOKEN_SECRET, a.id, new Date(Date.now() + 3_600_000))).token;
    const otherTeam = [version, b.id, expires, signature].join(".");
    const laterExpiry = [version, a.id, String(Number(expires) + 3_000), signature].join(".");
    const refused = ["", "?token=", `?token=${expired}`, `?token=${otherSecret}`, `?token=${tooLong}`, `?token=${otherTeam}`, `?token=${laterExpiry}`, `?token=${valid}x`];
    for (const query of refused) {
      await expectError(await api(`/v1/feed${query}`, { headers: WS }), 401, "unauthorized");
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

  it("is in the OpenAPI document", async () => {
    const doc = z.object({ paths: z.record(z.string(), z.unknown()) }).parse(await (await api("/openapi.json")).json());
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/feed/token", "/v1/feed"]));
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
