import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EventBuffer } from "../../../durable-objects/team-feed/event-buffer";
import { TeamFeed } from "../../../durable-objects/team-feed/team-feed";
import { newId } from "../../shared/ids";
import { clickBatch, connectFeed, failureOf, feedOf, newLinkId, tickTotals, waitForTotals } from "../../../durable-objects/team-feed/test/feed-client";
import { ClickTicks, CLICK_BATCH_MEMORY, MAX_COUNTS_PER_FRAME, TICK_INTERVAL_MS } from "../../../durable-objects/team-feed/click-ticks";
import { serverFrameSchema } from "../../../durable-objects/team-feed/frames";
import { sampleEvents } from "#events/samples";

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
      for (let i = 0; i < CLICK_BATCH_MEMORY + 10; i += 100)
        ticks.record(
          Array.from({ length: 100 }, () => clickBatch(team, [link])),
          false,
        );
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
    expect(await failureOf(() => stub.recordClicks({ teamId: team, batches: [{ id: "evt_nope", counts: [{ ...link, teamId: team }] }] }))).toMatch(
      /invalid counts/,
    );
    const other = newId("team");
    expect(await failureOf(() => stub.recordClicks({ teamId: team, batches: [clickBatch(team, [link]), clickBatch(other, [link])] }))).toMatch(/another team/);
    expect(await failureOf(() => stub.recordClicks({ teamId: other, batches: [clickBatch(other, [link])] }))).toMatch(/another team/);
    // Clicks no longer travel as feed events, of either shape.
    for (const sample of [sampleEvents["LinkClicked.v1"], sampleEvents["ClicksRecorded.v1"]]) {
      expect(await failureOf(() => stub.broadcast({ teamId: team, events: [{ ...structuredClone(sample), id: newId("evt"), teamId: team }] }))).toMatch(
        /invalid events/,
      );
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
    expect(await failureOf(() => stub.recordClicks({ teamId: b, batches: [clickBatch(b, [{ linkId: newLinkId(), slug: "b", clicks: 1 }])] }))).toMatch(
      /another team/,
    );
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
