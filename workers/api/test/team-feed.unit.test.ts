import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { DEDUPE_WINDOW, EventBuffer, REPLAY_BUFFER_SIZE } from "../../../durable-objects/team-feed/event-buffer";
import { FEED_TAG, readSocketState } from "../../../durable-objects/team-feed/socket-state";
import { TeamFeed } from "../../../durable-objects/team-feed/team-feed";
import { newId } from "../src/ids";
import { FEED_CLOSE, SOCKET_CAP_RETRY_AFTER_SECONDS } from "../../../durable-objects/team-feed/feed-rpc";
import { FAULT_RULE, keyTag, REPLAY_RULE } from "../../../durable-objects/team-feed/socket-state";
import {
  broadcastAll,
  clickBatch,
  connectFeed,
  connectRequest,
  feedOf,
  newKeyId,
  newLinkId,
  teamEvents,
  tickTotals,
  waitForTotals,
} from "../../../durable-objects/team-feed/test/feed-client";
import { ClickTicks, CLICK_BATCH_MEMORY, MAX_COUNTS_PER_FRAME, TICK_INTERVAL_MS } from "../../../durable-objects/team-feed/click-ticks";
import { serverFrameSchema } from "../../../durable-objects/team-feed/frames";
import { sampleEvents } from "../../../events/samples";

const ids = (events: { id: string }[]) => events.map((e) => e.id);

/** Awaited inside try/catch: an RPC promise handed to expect().rejects is also reported unhandled. */
async function failureOf(call: () => Promise<unknown>): Promise<string | null> {
  try {
    await call();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe("TeamFeed: connections", () => {
  it("accepts sockets with the hibernation API: tagged, per-socket state in the attachment, no memory of its own", async () => {
    const team = newId("team");
    await broadcastAll(team, teamEvents(team, 2));
    await connectFeed(team);
    await runInDurableObject(feedOf(team), (instance, state) => {
      expect(instance).toBeInstanceOf(TeamFeed);
      const [socket, ...others] = state.getWebSockets(FEED_TAG);
      expect(others).toEqual([]);
      if (!socket) throw new Error("no socket accepted");
      expect(state.getTags(socket)).toEqual([FEED_TAG, expect.stringMatching(/^conn:[0-9a-f-]{36}$/), expect.stringMatching(/^key:key_[0-9A-Z]{26}$/)]);
      expect(readSocketState(socket)).toMatchObject({ v: 1, liveFrom: 2 });
    });
  });

  it("answers a non-WebSocket request with 426 and a malformed since with 400", async () => {
    const stub = feedOf(newId("team"));
    expect((await stub.fetch("https://team-feed/connect")).status).toBe(426);
    expect((await stub.fetch("https://team-feed/connect?since=evt_nope", { headers: { upgrade: "websocket" } })).status).toBe(400);
    // The api Worker always names the team, the key and the plan's cap.
    expect((await stub.fetch("https://team-feed/connect", { headers: { upgrade: "websocket" } })).status).toBe(400);
  });

  it("completes the closing handshake a client starts", async () => {
    const team = newId("team");
    const client = await connectFeed(team);
    client.ws.close(4000, "bye");
    const closed = await client.closed;
    expect(closed.code).toBe(4000);
    await vi.waitUntil(() => runInDurableObject(feedOf(team), (_, state) => state.getWebSockets().length === 0), { timeout: 5_000 });
  });
});

describe("TeamFeed: broadcast", () => {
  it("sends each new event to every socket, in order of arrival", async () => {
    const team = newId("team");
    const clients = await Promise.all([connectFeed(team), connectFeed(team), connectFeed(team)]);
    const events = teamEvents(team, 8);
    expect(await feedOf(team).broadcast({ teamId: team, events: events.slice(0, 5) })).toEqual({ stored: 5, duplicates: [], sockets: 3 });
    await feedOf(team).broadcast({ teamId: team, events: events.slice(5) });
    for (const client of clients) {
      const frames = await client.waitFor("event", 8);
      expect(frames.map((f) => f.event)).toEqual(events);
    }
  });

  it("stores and sends a redelivered event once: duplicates are harmless", async () => {
    const team = newId("team");
    const client = await connectFeed(team);
    const [a, b, c] = teamEvents(team, 3);
    if (!a || !b || !c) throw new Error("events missing");
    await feedOf(team).broadcast({ teamId: team, events: [a, b] });
    expect(await feedOf(team).broadcast({ teamId: team, events: [b, c, a] })).toEqual({ stored: 1, duplicates: [b.id, a.id], sockets: 1 });
    await client.waitFor("event", 3);
    await feedOf(team).broadcast({ teamId: team, events: [c] });
    const marker = teamEvents(team, 1);
    await feedOf(team).broadcast({ teamId: team, events: marker });
    await client.waitFor("event", 4);
    expect(client.eventIds()).toEqual(ids([a, b, c, ...marker]));
  });

  it("refuses invalid input and events of another team, storing nothing", async () => {
    const team = newId("team");
    const stub = feedOf(team);
    expect(await failureOf(() => stub.broadcast({ teamId: team, events: [] }))).toMatch(/invalid events/);
    expect(await failureOf(() => stub.broadcast({ teamId: team, events: [{ id: "evt_nope", type: "LinkClicked" }] }))).toMatch(/invalid events/);
    expect(await failureOf(() => stub.broadcast({ teamId: team, events: teamEvents(team, 101) }))).toMatch(/invalid events/);
    expect(await failureOf(() => stub.broadcast(teamEvents(team, 1)))).toMatch(/invalid events/);
    expect(await failureOf(() => stub.broadcast({ teamId: team, events: [...teamEvents(team, 1), ...teamEvents(newId("team"), 1)] }))).toMatch(/another team/);
    const other = newId("team");
    expect(await failureOf(() => stub.broadcast({ teamId: other, events: teamEvents(other, 1) }))).toMatch(/another team/);
    await runInDurableObject(stub, (_, state) => expect(new EventBuffer(state.storage.sql).size()).toEqual({ envelopes: 0, ids: 0 }));
  });
});

describe("TeamFeed: since", () => {
  it("replays what a reconnecting client missed, then goes live, without a gap or a duplicate", async () => {
    const team = newId("team");
    const events = teamEvents(team, 8);
    await broadcastAll(team, events.slice(0, 5));
    const client = await connectFeed(team, events[1]?.id);
    expect((await client.waitFor("ready"))[0]).toEqual({ type: "ready", lastEventId: events[4]?.id, replayed: 3 });
    await broadcastAll(team, events.slice(5));
    await client.waitFor("event", 6);
    expect(client.eventIds()).toEqual(ids(events.slice(2)));
  });

  it("stays gap-free and duplicate-free when clients reconnect while events keep arriving", async () => {
    const team = newId("team");
    const watcher = await connectFeed(team);
    const events = teamEvents(team, 60);
    await broadcastAll(team, events.slice(0, 10));
    const since = events[4]?.id;
    // Connections and broadcasts race; each reconnecting client must see exactly what followed `since`.
    const [, first, , second] = await Promise.all([
      feedOf(team).broadcast({ teamId: team, events: events.slice(10, 30) }),
      connectFeed(team, since),
      feedOf(team).broadcast({ teamId: team, events: events.slice(30, 50) }),
      connectFeed(team, since),
      feedOf(team).broadcast({ teamId: team, events: events.slice(50) }),
    ]);
    await watcher.waitFor("event", 60);
    for (const client of [first, second]) {
      await client.waitFor("event", 55);
      expect(client.eventIds()).toEqual(ids(events.slice(5)));
    }
    expect(watcher.eventIds()).toEqual(ids(events));
  });

  it("replays, on a since frame, only the events from before the connection: live ones are never sent twice", async () => {
    const team = newId("team");
    const events = teamEvents(team, 5);
    await broadcastAll(team, events.slice(0, 3));
    const client = await connectFeed(team);
    await broadcastAll(team, events.slice(3));
    await client.waitFor("event", 2);
    client.send({ type: "since", eventId: events[0]?.id });
    expect(await client.waitFor("replayed")).toEqual([{ type: "replayed", replayed: 2 }]);
    expect(client.eventIds()).toEqual(ids([...events.slice(3), ...events.slice(1, 3)]));
  });

  it("tells the client to resync when since is unknown, and still goes live", async () => {
    const team = newId("team");
    const unknown = newId("evt");
    const client = await connectFeed(team, unknown);
    expect(client.frames[0]).toEqual({ type: "resync", since: unknown, reason: "unknown_event" });
    const events = teamEvents(team, 1);
    await broadcastAll(team, events);
    await client.waitFor("event");
    expect(client.eventIds()).toEqual(ids(events));
  });

  it(`keeps ${REPLAY_BUFFER_SIZE} envelopes: since an older event asks for a resync, and old ids are still recognised`, async () => {
    const team = newId("team");
    const events = teamEvents(team, REPLAY_BUFFER_SIZE + 50);
    await broadcastAll(team, events);
    await runInDurableObject(feedOf(team), (_, state) => {
      expect(new EventBuffer(state.storage.sql).size()).toEqual({ envelopes: REPLAY_BUFFER_SIZE, ids: REPLAY_BUFFER_SIZE + 50 });
    });
    // The 50th event's envelope is gone, but everything after it is buffered: a complete replay.
    const complete = await connectFeed(team, events[49]?.id);
    expect(complete.eventIds()).toEqual(ids(events.slice(50)));
    const tooOld = await connectFeed(team, events[48]?.id);
    expect(tooOld.frames[0]).toEqual({ type: "resync", since: events[48]?.id, reason: "evicted" });
    expect(tooOld.eventIds()).toEqual([]);
    expect(await feedOf(team).broadcast({ teamId: team, events: events.slice(0, 1) })).toMatchObject({ stored: 0, duplicates: [events[0]?.id] });
  });

  it(`remembers the last ${DEDUPE_WINDOW} ids for dedupe, no more`, async () => {
    const team = newId("team");
    const template = teamEvents(team, 1)[0];
    if (!template) throw new Error("no event");
    await runInDurableObject(feedOf(team), (_, state) => {
      const buffer = new EventBuffer(state.storage.sql);
      const events = Array.from({ length: DEDUPE_WINDOW + 10 }, () => ({ ...template, id: newId("evt") }));
      for (let i = 0; i < events.length; i += 500) buffer.append(events.slice(i, i + 500));
      expect(buffer.size()).toEqual({ envelopes: REPLAY_BUFFER_SIZE, ids: DEDUPE_WINDOW });
    });
  });

  it("finds the envelopes to clear through an index of the buffered rows, not by walking every remembered id", async () => {
    const team = newId("team");
    await runInDurableObject(feedOf(team), (_, state) => {
      new EventBuffer(state.storage.sql).size(); // the object has migrated its storage
      const plan = state.storage.sql
        .exec<{ detail: string }>("EXPLAIN QUERY PLAN UPDATE feed_events SET envelope = NULL WHERE seq <= ? AND envelope IS NOT NULL", 1)
        .toArray()
        .map((row) => row.detail)
        .join("; ");
      expect(plan).toContain("feed_events_buffered");
    });
  });
});

describe("TeamFeed: client frames", () => {
  it("answers malformed frames with an error frame and keeps serving the socket", async () => {
    const team = newId("team");
    const client = await connectFeed(team);
    const bad = ["not json", "{}", '{"type":"since","eventId":"evt_nope"}', '{"type":"ping","extra":1}', "[1,2]", "x".repeat(5_000)];
    for (const frame of bad) client.send(frame);
    client.ws.send(new Uint8Array([1, 2, 3]));
    const errors = await client.waitFor("error", bad.length + 1);
    for (const frame of errors) expect(frame.error.code).toBe("invalid_frame");
    expect(errors[2]?.error.issues?.[0]?.path).toBe("eventId");
    client.send({ type: "ping" });
    await client.waitFor("pong");
    const events = teamEvents(team, 1);
    await broadcastAll(team, events);
    await client.waitFor("event");
    expect(client.eventIds()).toEqual(ids(events));
  });
});

describe("TeamFeed: hibernation", () => {
  it("answers a text ping with pong without waking the object", async () => {
    const team = newId("team");
    const client = await connectFeed(team);
    await evictDurableObject(feedOf(team));
    client.send("ping");
    await vi.waitUntil(() => client.raw.includes("pong"), { timeout: 5_000 });
    // Still evicted: the runtime answered, the object never ran.
    await expect(evictDurableObject(feedOf(team))).rejects.toThrow(/not currently running/);
  });

  it("after eviction, a broadcast still reaches the socket and the socket's state has survived", async () => {
    const team = newId("team");
    const events = teamEvents(team, 4);
    await broadcastAll(team, events.slice(0, 2));
    const client = await connectFeed(team);
    await evictDurableObject(feedOf(team));
    await broadcastAll(team, events.slice(2, 3));
    await client.waitFor("event");
    await evictDurableObject(feedOf(team));
    // liveFrom came back from the attachment: the replay stops where live delivery began.
    client.send({ type: "since", eventId: events[0]?.id });
    expect(await client.waitFor("replayed")).toEqual([{ type: "replayed", replayed: 1 }]);
    await broadcastAll(team, events.slice(3));
    await client.waitFor("event", 3);
    expect(client.eventIds()).toEqual(ids([events[2], events[1], events[3]].flatMap((e) => (e ? [e] : []))));
  });
});

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

describe("TeamFeed: click ticks", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("coalesces many click batches into at most one clicks frame per tick per socket, totals exact, no event frame, nothing buffered", async () => {
    const team = newId("team");
    const clients = await Promise.all([connectFeed(team), connectFeed(team)]);
    const links = [0, 1, 2].map((i) => ({ linkId: newLinkId(), slug: `tick-${i}` }));
    const expected: Record<string, number> = {};
    const started = Date.now();
    // 60 calls over ~600 ms, as a busy team's batches would arrive from several isolates.
    for (let call = 0; call < 60; call += 1) {
      const clicks = links.map((link, i) => ({ ...link, clicks: 1 + ((call + i) % 3) }));
      for (const count of clicks) expected[count.linkId] = (expected[count.linkId] ?? 0) + count.clicks;
      expect(await feedOf(team).recordClicks({ teamId: team, batches: [clickBatch(team, clicks)] })).toEqual({ counted: 1, duplicates: [], sockets: 2 });
      if (call % 6 === 5) await sleep(60);
    }
    for (const client of clients) await waitForTotals(client, expected);
    const elapsed = Date.now() - started;
    for (const client of clients) {
      const ticks = client.frames.filter((frame) => frame.type === "clicks");
      expect(client.frames.filter((frame) => frame.type === "event")).toEqual([]);
      // At most one frame per tick interval (plus the first, sent at once), never one per call.
      expect(ticks.length).toBeLessThanOrEqual(Math.ceil(elapsed / TICK_INTERVAL_MS) + 1);
      expect(ticks.length).toBeLessThan(60);
      const times = ticks.map((tick) => Date.parse(tick.at));
      for (let i = 1; i < times.length; i += 1) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(TICK_INTERVAL_MS - 5);
      for (const tick of ticks) for (const count of tick.counts) expect(links.find((l) => l.linkId === count.linkId)?.slug).toBe(count.slug);
    }
    await runInDurableObject(feedOf(team), (_, state) => {
      expect(new EventBuffer(state.storage.sql).size()).toEqual({ envelopes: 0, ids: 0 });
      expect(new ClickTicks(state.storage.sql).size()).toEqual({ batches: 60, pendingLinks: 0 });
    });
  });

  it("counts a redelivered batch once, in the same call or a later one", async () => {
    const team = newId("team");
    const client = await connectFeed(team);
    const link = { linkId: newLinkId(), slug: "again" };
    const [a, b] = [clickBatch(team, [{ ...link, clicks: 3 }]), clickBatch(team, [{ ...link, clicks: 4 }])];
    expect(await feedOf(team).recordClicks({ teamId: team, batches: [a] })).toEqual({ counted: 1, duplicates: [], sockets: 1 });
    await waitForTotals(client, { [link.linkId]: 3 });
    expect(await feedOf(team).recordClicks({ teamId: team, batches: [a, b, a] })).toEqual({ counted: 1, duplicates: [a.id, a.id], sockets: 1 });
    expect(await feedOf(team).recordClicks({ teamId: team, batches: [b] })).toMatchObject({ counted: 0, duplicates: [b.id] });
    await waitForTotals(client, { [link.linkId]: 7 });
    await sleep(3 * TICK_INTERVAL_MS);
    expect(tickTotals(client)).toEqual({ [link.linkId]: 7 });
  });

  it(`remembers the last ${CLICK_BATCH_MEMORY} batch ids, no more`, async () => {
    const team = newId("team");
    await runInDurableObject(feedOf(team), (_, state) => {
      const ticks = new ClickTicks(state.storage.sql);
      const link = { linkId: newLinkId(), slug: "many", clicks: 1 };
      for (let i = 0; i < CLICK_BATCH_MEMORY + 10; i += 100) ticks.record(Array.from({ length: 100 }, () => clickBatch(team, [link])), false);
      expect(ticks.size()).toEqual({ batches: CLICK_BATCH_MEMORY, pendingLinks: 0 });
    });
  });

  it("keeps no counts while no socket is open, but still remembers the batch", async () => {
    const team = newId("team");
    const batch = clickBatch(team, [{ linkId: newLinkId(), slug: "nobody", clicks: 2 }]);
    expect(await feedOf(team).recordClicks({ teamId: team, batches: [batch] })).toEqual({ counted: 1, duplicates: [], sockets: 0 });
    await runInDurableObject(feedOf(team), (_, state) => expect(new ClickTicks(state.storage.sql).size()).toEqual({ batches: 1, pendingLinks: 0 }));
    const client = await connectFeed(team);
    expect(await feedOf(team).recordClicks({ teamId: team, batches: [batch] })).toMatchObject({ counted: 0, duplicates: [batch.id] });
    await sleep(3 * TICK_INTERVAL_MS);
    expect(client.frames.filter((frame) => frame.type === "clicks")).toEqual([]);
  });

  it(`cuts a tick naming more than ${MAX_COUNTS_PER_FRAME} links into several frames, each parsing as a server frame`, async () => {
    const team = newId("team");
    const client = await connectFeed(team);
    const raw: string[] = [];
    client.ws.addEventListener("message", (message) => raw.push(String(message.data)));
    const counts = Array.from({ length: MAX_COUNTS_PER_FRAME + 20 }, (_, i) => ({ linkId: newLinkId(), slug: `l${i}`, clicks: 1 }));
    const batches = [clickBatch(team, counts.slice(0, 500)), clickBatch(team, counts.slice(500))];
    await feedOf(team).recordClicks({ teamId: team, batches });
    await waitForTotals(client, Object.fromEntries(counts.map((c) => [c.linkId, 1])));
    const ticks = client.frames.filter((frame) => frame.type === "clicks");
    expect(ticks.map((tick) => tick.counts.length)).toEqual([MAX_COUNTS_PER_FRAME, 20]);
    for (const text of raw) expect(serverFrameSchema.safeParse(JSON.parse(text)).success).toBe(true);
    expect(ticks[0]).toEqual({ type: "clicks", at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/), counts: counts.slice(0, MAX_COUNTS_PER_FRAME) });
  });

  it("refuses invalid counts, counts of another team and click events sent as events, keeping nothing", async () => {
    const team = newId("team");
    const stub = feedOf(team);
    await connectFeed(team);
    const link = { linkId: newLinkId(), slug: "x", clicks: 1 };
    expect(await failureOf(() => stub.recordClicks({ teamId: team, batches: [] }))).toMatch(/invalid counts/);
    expect(await failureOf(() => stub.recordClicks({ teamId: team, batches: [clickBatch(team, [{ ...link, clicks: 0 }])] }))).toMatch(/invalid counts/);
    expect(await failureOf(() => stub.recordClicks({ teamId: team, batches: [{ id: "evt_nope", counts: [{ ...link, teamId: team }] }] }))).toMatch(/invalid counts/);
    const other = newId("team");
    expect(await failureOf(() => stub.recordClicks({ teamId: team, batches: [clickBatch(team, [link]), clickBatch(other, [link])] }))).toMatch(/another team/);
    expect(await failureOf(() => stub.recordClicks({ teamId: other, batches: [clickBatch(other, [link])] }))).toMatch(/another team/);
    // Clicks no longer travel as feed events, of either shape.
    for (const sample of [sampleEvents["LinkClicked.v1"], sampleEvents["ClicksRecorded.v1"]]) {
      expect(await failureOf(() => stub.broadcast({ teamId: team, events: [{ ...structuredClone(sample), id: newId("evt"), teamId: team }] }))).toMatch(/invalid events/);
    }
    await runInDurableObject(stub, (_, state) => {
      expect(new ClickTicks(state.storage.sql).size()).toEqual({ batches: 0, pendingLinks: 0 });
      expect(new EventBuffer(state.storage.sql).size()).toEqual({ envelopes: 0, ids: 0 });
    });
  });

  it("refuses another team's counts on an object without a name, after eviction too", async () => {
    const [a, b] = [newId("team"), newId("team")];
    const stub = env.TEAM_FEED.get(env.TEAM_FEED.newUniqueId());
    await connectFeed(a, undefined, { stub });
    await evictDurableObject(stub);
    expect(await failureOf(() => stub.recordClicks({ teamId: b, batches: [clickBatch(b, [{ linkId: newLinkId(), slug: "b", clicks: 1 }])] }))).toMatch(/another team/);
  });

  it("survives eviction between a batch and its tick: the counts and the alarm are stored, the sockets stay", async () => {
    const team = newId("team");
    const client = await connectFeed(team);
    const link = { linkId: newLinkId(), slug: "evicted" };
    await feedOf(team).recordClicks({ teamId: team, batches: [clickBatch(team, [{ ...link, clicks: 2 }])] });
    await waitForTotals(client, { [link.linkId]: 2 });
    // The next tick is due TICK_INTERVAL_MS after this one: the counts wait in storage while the object is gone.
    await feedOf(team).recordClicks({ teamId: team, batches: [clickBatch(team, [{ ...link, clicks: 5 }])] });
    const pending = await runInDurableObject(feedOf(team), async (_, state) => ({
      links: new ClickTicks(state.storage.sql).size().pendingLinks,
      alarm: await state.storage.getAlarm(),
    }));
    expect(pending.links).toBe(1);
    expect(pending.alarm).not.toBeNull();
    await evictDurableObject(feedOf(team));
    await waitForTotals(client, { [link.linkId]: 7 });
    expect(client.frames.filter((frame) => frame.type === "clicks")).toHaveLength(2);
  });
});
