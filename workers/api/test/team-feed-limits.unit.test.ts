import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { FEED_TAG } from "../../../durable-objects/team-feed/socket-state";
import { TeamFeed } from "../../../durable-objects/team-feed/team-feed";
import { newId } from "../../shared/ids";
import { FEED_CLOSE, SOCKET_CAP_RETRY_AFTER_SECONDS } from "../../../durable-objects/team-feed/feed-rpc";
import { FAULT_RULE, keyTag, REPLAY_RULE } from "../../../durable-objects/team-feed/socket-state";
import { broadcastAll, connectFeed, connectRequest, failureOf, feedOf, newKeyId, teamEvents } from "../../../durable-objects/team-feed/test/feed-client";

const ids = (events: { id: string }[]) => events.map((e) => e.id);

describe("TeamFeed: the team it belongs to", () => {
  it("learns its team on first contact and refuses another team's events even without a name, after eviction too", async () => {
    const [a, b] = [newId("team"), newId("team")];
    // An object made without a name: it cannot tell its team from its id.
    const stub = env.TEAM_FEED.get(env.TEAM_FEED.newUniqueId());
    await runInDurableObject(stub, (_, state) => expect(state.id.name).toBeUndefined());
    const client = await connectFeed(a, undefined, { stub });
    expect(await failureOf(() => stub.broadcast({ teamId: b, events: teamEvents(b, 2) }))).toMatch(/another team/);
    await evictDurableObject(stub);
    expect(await failureOf(() => stub.broadcast({ teamId: b, events: teamEvents(b, 1) }))).toMatch(/another team/);
    // Events of b dressed up as a's call are refused too.
    expect(await failureOf(() => stub.broadcast({ teamId: a, events: teamEvents(b, 1) }))).toMatch(/another team/);
    expect(await failureOf(() => stub.closeKey({ teamId: b, keyId: newKeyId() }))).toMatch(/another team/);
    expect((await connectRequest(b, undefined, { stub })).status).toBe(403);

    const mine = teamEvents(a, 1);
    expect(await stub.broadcast({ teamId: a, events: mine })).toMatchObject({ stored: 1, sockets: 1 });
    await client.waitFor("event");
    expect(client.eventIds()).toEqual(ids(mine));
  });

  it("refuses a connect for another team than the one named", async () => {
    const team = newId("team");
    expect((await connectRequest(newId("team"), undefined, { stub: feedOf(team) })).status).toBe(403);
    await runInDurableObject(feedOf(team), (_, state) => expect(state.getWebSockets()).toEqual([]));
  });
});

describe("TeamFeed: keys", () => {
  it("closes the sockets of a revoked key with 4001, keeps the others, and refuses that key from then on", async () => {
    const team = newId("team");
    const [doomed, spare] = [newKeyId(), newKeyId()];
    const [first, second, other] = await Promise.all([
      connectFeed(team, undefined, { keyId: doomed }),
      connectFeed(team, undefined, { keyId: doomed }),
      connectFeed(team, undefined, { keyId: spare }),
    ]);
    await runInDurableObject(feedOf(team), (_, state) => expect(state.getWebSockets(keyTag(doomed))).toHaveLength(2));
    expect(await feedOf(team).closeKey({ teamId: team, keyId: doomed })).toEqual({ closed: 2 });
    for (const client of [first, second]) {
      const closed = await client.closed;
      expect({ code: closed.code, reason: closed.reason }).toEqual(FEED_CLOSE.keyRevoked);
    }
    // A connect whose key check raced the revocation is refused by the object itself.
    const late = await connectRequest(team, undefined, { keyId: doomed });
    expect(late.status).toBe(401);
    // Idempotent: a second call finds nothing more to close.
    expect(await feedOf(team).closeKey({ teamId: team, keyId: doomed })).toEqual({ closed: 0 });

    const events = teamEvents(team, 1);
    expect(await feedOf(team).broadcast({ teamId: team, events })).toMatchObject({ sockets: 1 });
    await other.waitFor("event");
    expect(other.eventIds()).toEqual(ids(events));
  });

  it("refuses invalid closeKey input", async () => {
    const team = newId("team");
    expect(await failureOf(() => feedOf(team).closeKey({ teamId: team, keyId: "key_nope" }))).toMatch(/invalid input/);
    expect(await failureOf(() => feedOf(team).closeKey(newKeyId()))).toMatch(/invalid input/);
  });
});

describe("TeamFeed: limits", () => {
  it("refuses an upgrade over the plan's socket cap with 429 rate_limited and Retry-After, accepting nothing", async () => {
    const team = newId("team");
    const clients = await Promise.all([0, 1, 2].map(() => connectFeed(team, undefined, { maxSockets: 3 })));
    const refused = await connectRequest(team, undefined, { maxSockets: 3 });
    expect(refused.status).toBe(429);
    expect(refused.webSocket).toBeNull();
    expect(refused.headers.get("retry-after")).toBe(String(SOCKET_CAP_RETRY_AFTER_SECONDS));
    expect(await refused.json()).toMatchObject({ error: { code: "rate_limited" } });
    await runInDurableObject(feedOf(team), (_, state) => expect(state.getWebSockets(FEED_TAG)).toHaveLength(3));

    // A socket closed frees its place.
    clients[0]?.ws.close(1000, "bye");
    await vi.waitUntil(() => runInDurableObject(feedOf(team), (_, state) => state.getWebSockets(FEED_TAG).length === 2), { timeout: 5_000 });
    await connectFeed(team, undefined, { maxSockets: 3 });
  });

  it(`serves ${REPLAY_RULE.capacity} since frames at once, then answers rate_limited with retryAfter and keeps the socket live`, async () => {
    const team = newId("team");
    const events = teamEvents(team, 3);
    await broadcastAll(team, events);
    const client = await connectFeed(team);
    for (let i = 0; i < REPLAY_RULE.capacity + 3; i += 1) client.send({ type: "since", eventId: events[0]?.id });
    const errors = await client.waitFor("error", 3);
    expect((await client.waitFor("replayed", REPLAY_RULE.capacity)).length).toBe(REPLAY_RULE.capacity);
    for (const frame of errors) {
      expect(frame.error.code).toBe("rate_limited");
      expect(frame.error.retryAfter).toBeGreaterThanOrEqual(1);
    }
    // The replays' events only: 2 per served frame.
    expect(client.eventIds()).toHaveLength(2 * REPLAY_RULE.capacity);
    client.send({ type: "ping" });
    await client.waitFor("pong");
    const live = teamEvents(team, 1);
    await broadcastAll(team, live);
    await vi.waitUntil(() => client.eventIds().includes(live[0]?.id ?? ""), { timeout: 5_000 });
  });

  it("counts a replay on connect against the socket's replays", async () => {
    const team = newId("team");
    const events = teamEvents(team, 2);
    await broadcastAll(team, events);
    const client = await connectFeed(team, events[0]?.id);
    for (let i = 0; i < REPLAY_RULE.capacity; i += 1) client.send({ type: "since", eventId: events[0]?.id });
    expect(await client.waitFor("error")).toEqual([expect.objectContaining({ error: expect.objectContaining({ code: "rate_limited" }) })]);
    expect(client.frames.filter((f) => f.type === "replayed")).toHaveLength(REPLAY_RULE.capacity - 1);
  });

  it(`closes a socket with 1008 once it has sent more than ${FAULT_RULE.capacity} refused frames in a row`, async () => {
    const team = newId("team");
    const client = await connectFeed(team);
    for (let i = 0; i <= FAULT_RULE.capacity; i += 1) client.send("not json");
    const closed = await client.closed;
    expect({ code: closed.code, reason: closed.reason }).toEqual(FEED_CLOSE.policyViolation);
    expect(client.frames.filter((f) => f.type === "error")).toHaveLength(FAULT_RULE.capacity);
    await vi.waitUntil(() => runInDurableObject(feedOf(team), (_, state) => state.getWebSockets().length === 0), { timeout: 5_000 });
  });

  it("keeps the socket's budgets across hibernation", async () => {
    const team = newId("team");
    const events = teamEvents(team, 2);
    await broadcastAll(team, events);
    const client = await connectFeed(team);
    for (let i = 0; i < REPLAY_RULE.capacity; i += 1) client.send({ type: "since", eventId: events[0]?.id });
    await client.waitFor("replayed", REPLAY_RULE.capacity);
    await evictDurableObject(feedOf(team));
    client.send({ type: "since", eventId: events[0]?.id });
    expect((await client.waitFor("error"))[0]?.error.code).toBe("rate_limited");
  });
});
