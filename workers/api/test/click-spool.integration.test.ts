import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { clickRecordsOf } from "#events";
import { ClickPacker, sendToClickQueue } from "../src/redirect/click-batch";
import { clickFacts, clickSinkOf, packedClickOf, visitorHashHex } from "../src/redirect/click-event";
import { fetchWithEnv, forward, waitForJson } from "./consumers-helpers";
import { api, createLink, receivedClickBatches, waitForEvents } from "./helpers";
import {
  BROWSER,
  CLICK_SUBSCRIBERS,
  MINUTE,
  NONE,
  SHORT_WINDOW,
  allDelivered,
  clickBatchOf,
  clicksState,
  cronAt,
  deliveriesOf,
  dropRows,
  lastRun,
  refusingQueue,
  refusingSpool,
  resetClickSpool,
  setDeliveries,
  spooled,
  spooledIds,
  teamOnce,
  waitFor,
  webhookCopies,
} from "./click-spool-support";

describe("the click spool", () => {
  beforeEach(resetClickSpool);

  it("loses no click while the queue refuses every send: the batch waits in the spool and the cron sends it to each subscriber", async () => {
    const t = await teamOnce();
    const link = await createLink(t, { url: "https://example.com/queue-down" });
    // Analytics learns of the link as it would from the topic, so its stats can show the click.
    await forward(env.TEST_ANALYTICS_EVENTS, await waitForEvents((e) => e.subject === link.id));
    const down = refusingQueue();
    const res = await fetchWithEnv({ CLICK_EVENTS: down.queue, ...SHORT_WINDOW }, `/${link.slug}`, { headers: BROWSER });
    expect(res.status).toBe(302);
    // The send and two retries, all inside the request's waitUntil.
    expect(down.sends()).toBe(3);
    const [batchId] = await spooledIds();
    if (!batchId) throw new Error("nothing spooled");
    expect(clickRecordsOf(await spooled(batchId)).map((c) => c.linkId)).toEqual([link.id]);
    expect((await receivedClickBatches()).map((b) => b.id)).not.toContain(batchId);

    // Within the grace period the batch is left alone.
    await cronAt(Date.now() + 30_000);
    expect(await lastRun()).toMatchObject({ seen: 1, checked: 0, resent: 0 });
    expect(await spooledIds()).toEqual([batchId]);

    // Past it (the queue may still be down: the ledger re-sends to each subscriber's queue, not through the api's).
    await cronAt(Date.now() + 3 * MINUTE);
    expect(await lastRun()).toEqual({ seen: 1, checked: 1, missing: 3, stalePending: 0, resent: 3, cleared: 0, kept: 1, expired: 0 });
    const stats = await waitForJson<{ clicks: number }>(`/v1/links/${link.id}/stats`, t.auth, (s) => s.clicks === 1);
    expect(stats.clicks).toBe(1);
    await waitFor(async () => (await webhookCopies(batchId)) === 1);
    await waitFor(async () => ((await deliveriesOf(batchId)).find(([s]) => s === "analytics")?.[1] === "delivered" ? true : false));
    expect(await deliveriesOf(batchId)).toEqual([
      ["analytics", "delivered"],
      ["dashboard", "pending"],
      ["webhooks", "pending"],
    ]);

    // Still in flight at two subscribers: kept, not sent again.
    await cronAt(Date.now() + 4 * MINUTE);
    expect(await lastRun()).toEqual({ seen: 1, checked: 1, missing: 0, stalePending: 0, resent: 0, cleared: 0, kept: 1, expired: 0 });
    expect(await spooledIds()).toEqual([batchId]);

    // Once they report it delivered, the batch leaves the spool.
    await setDeliveries(batchId, { dashboard: "delivered", webhooks: "delivered" });
    await cronAt(Date.now() + 5 * MINUTE);
    expect(await lastRun()).toMatchObject({ checked: 1, resent: 0, cleared: 1, kept: 0 });
    expect(await spooledIds()).toEqual([]);
    expect(await clicksState()).toMatchObject({ totals: { checked: 3, resent: 3, cleared: 1 }, lastError: null, cursor: null, dropped: { ...NONE } });
  });

  it("re-sends once, past the grace period, a sent batch the ledger never heard of", async () => {
    const link = await createLink(await teamOnce(), { url: "https://example.com/unheard" });
    // The queue took it; the recorder owns `click-events` here, so the fan-out never saw it: a message lost after acceptance.
    const batchId = await clickBatchOf(link);
    expect(await spooledIds()).toEqual([batchId]);
    expect(await deliveriesOf(batchId)).toEqual([]);

    await cronAt(Date.now());
    expect(await lastRun()).toMatchObject({ seen: 1, checked: 0, resent: 0 });

    await cronAt(Date.now() + 3 * MINUTE);
    expect(await lastRun()).toMatchObject({ checked: 1, missing: CLICK_SUBSCRIBERS.length, resent: CLICK_SUBSCRIBERS.length, kept: 1 });
    await waitFor(async () => (await webhookCopies(batchId)) === 1);
    expect((await deliveriesOf(batchId)).map(([s]) => s)).toEqual(CLICK_SUBSCRIBERS);

    // The ledger knows it now: not sent again while its deliveries are fresh.
    await cronAt(Date.now() + 4 * MINUTE);
    expect(await lastRun()).toMatchObject({ checked: 1, missing: 0, stalePending: 0, resent: 0, kept: 1 });
    // A pending delivery past the stale age is sent again, to those subscribers only.
    await waitFor(async () => ((await deliveriesOf(batchId)).find(([s]) => s === "analytics")?.[1] === "delivered" ? true : false));
    await cronAt(Date.now() + 20 * MINUTE);
    expect(await lastRun()).toMatchObject({ checked: 1, missing: 0, stalePending: 2, resent: 2, kept: 1 });
    await waitFor(async () => (await webhookCopies(batchId)) === 2);
  });

  it("deletes a batch every subscriber finished without sending it again (dead counts as finished: its dead letter keeps it)", async () => {
    const link = await createLink(await teamOnce(), { url: "https://example.com/delivered" });
    const batchId = await clickBatchOf(link);
    await setDeliveries(batchId, { ...allDelivered(), webhooks: "dead" });
    await cronAt(Date.now() + 3 * MINUTE);
    expect(await lastRun()).toEqual({ seen: 1, checked: 1, missing: 0, stalePending: 0, resent: 0, cleared: 1, kept: 0, expired: 0 });
    expect(await spooledIds()).toEqual([]);
    expect(await webhookCopies(batchId)).toBe(0);
  });

  it("counts the clicks it could neither spool nor send, and the admin read shows them", async () => {
    const link = await createLink(await teamOnce(), { url: "https://example.com/both-down" });
    const down = refusingQueue();
    const spool = refusingSpool();
    const overrides = { CLICK_EVENTS: down.queue, CLICK_SPOOL: spool.bucket, ...SHORT_WINDOW };
    expect((await fetchWithEnv(overrides, `/${link.slug}`, { headers: BROWSER })).status).toBe(302);
    expect((await fetchWithEnv(overrides, `/${link.slug}`, { method: "HEAD" })).status).toBe(302);
    // Two batches, each tried three times on both.
    expect({ puts: spool.puts(), sends: down.sends() }).toEqual({ puts: 6, sends: 6 });
    expect(await spooledIds()).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await dropRows()).toEqual([{ day: today, reason: "send_failed", batches: 2, clicks: 1, bots: 0, heads: 1 }]);
    expect((await clicksState()).dropped).toEqual({
      batches: 2,
      clicks: 1,
      bots: 0,
      heads: 1,
      byReason: { send_failed: { batches: 2, clicks: 1, bots: 0, heads: 1 }, expired: NONE, unreadable: NONE },
    });
  });

  it("sends a batch exactly once when the queue refuses only the first try", async () => {
    const t = await teamOnce();
    const link = await createLink(t, { url: "https://example.com/blip" });
    let sends = 0;
    const packer = new ClickPacker<Queue>(visitorHashHex, async (queue, batch) => {
      sends++;
      if (sends === 1) throw new Error("queue blip (injected)");
      await sendToClickQueue(queue, batch);
    });
    const request = new Request(`https://lf.test/${link.slug}`, { headers: BROWSER });
    const click = packedClickOf(
      clickFacts(request),
      { id: link.id, teamId: t.id, slug: link.slug },
      crypto.randomUUID().replaceAll("-", ""),
      { hashSecret: env.VISITOR_HASH_SECRET, logSampleRate: 0, windowMs: 10 },
      new Date(),
    );
    await packer.add(env.CLICK_EVENTS, click, clickSinkOf(env));
    expect(sends).toBe(2);
    const carried = await waitFor(async () => {
      const batches = (await receivedClickBatches()).filter((b) => b.data.links.some((l) => l.linkId === link.id));
      return batches.length > 0 ? batches : false;
    });
    expect(carried).toHaveLength(1);
    expect(await spooledIds()).toEqual([carried[0]?.id]);
  });

  it("starts empty in the admin read", async () => {
    expect(await clicksState()).toEqual({
      lastRun: null,
      lastRunAt: null,
      lastError: null,
      totals: { checked: 0, resent: 0, cleared: 0 },
      cursor: null,
      sweeps: 0,
      dropped: { ...NONE, byReason: { send_failed: NONE, expired: NONE, unreadable: NONE } },
      settings: { maxAgeHours: 72 },
    });
  });
});
