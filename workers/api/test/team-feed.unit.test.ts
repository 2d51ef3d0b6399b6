import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { DEDUPE_WINDOW, EventBuffer, REPLAY_BUFFER_SIZE } from "../../../durable-objects/team-feed/event-buffer";
import { FEED_TAG, readSocketState } from "../../../durable-objects/team-feed/socket-state";
import { TeamFeed } from "../../../durable-objects/team-feed/team-feed";
import { newId } from "../../shared/ids";
import { broadcastAll, connectFeed, failureOf, feedOf, teamEvents } from "../../../durable-objects/team-feed/test/feed-client";

const ids = (events: { id: string }[]) => events.map((e) => e.id);

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
