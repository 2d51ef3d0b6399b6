import { createScheduledController, env } from "cloudflare:test";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { SUBSCRIPTIONS } from "#contracts/fanout/subscriptions";
import { clickRecordsOf, clicksRecordedSchema, clicksRecordedV1, type ClicksRecorded } from "#events";
import { sampleEvents } from "#events/samples";
import { newId } from "../../shared/ids";
import worker from "../src/index";
import { ClickPacker, sendToClickQueue } from "../src/redirect/click-batch";
import { clickFacts, clickSinkOf, packedClickOf, visitorHashHex } from "../src/redirect/click-event";
import { countsOfBatch, spoolBatch, spoolKeyOf, type ClickSpool } from "../src/redirect/click-spool";
import { fetchWithEnv, forward, waitForJson } from "./consumers-helpers";
import {
  ADMIN,
  api,
  createLink,
  createTeam,
  receivedClickBatches,
  receivedLogEvents,
  waitForClicks,
  waitForEvents,
  type LinkBody,
  type TestTeam,
} from "./helpers";

const BROWSER = { "user-agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15" };
/** The request that opens a batch waits out its window: short here (the inline retries keep their production delays). */
const SHORT_WINDOW = { CLICK_BATCH_WINDOW_MS: "20" };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The subscribers of clicks, as the ledger pairs them (analytics, dashboard, webhooks). */
const CLICK_SUBSCRIBERS = SUBSCRIPTIONS.filter((s) => (s.types as readonly string[]).includes("ClicksRecorded"))
  .map((s) => s.subscriber)
  .sort();

interface DropCounts {
  batches: number;
  clicks: number;
  bots: number;
  heads: number;
}

interface ClickReconciliation {
  lastRun: { seen: number; checked: number; missing: number; stalePending: number; resent: number; cleared: number; kept: number; expired: number } | null;
  lastRunAt: string | null;
  lastError: string | null;
  totals: { checked: number; resent: number; cleared: number };
  cursor: string | null;
  sweeps: number;
  dropped: DropCounts & { byReason: Record<"send_failed" | "expired" | "unreadable", DropCounts> };
  settings: { maxAgeHours: number };
}

const NONE: DropCounts = { batches: 0, clicks: 0, bots: 0, heads: 0 };

/** A cron run of the api Worker at `at` (both reconcilers, relay, retention), vars overridden. */
async function cronAt(at: number, vars: Record<string, string> = {}): Promise<void> {
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), { ...env, ...vars } as ApiEnv);
}

async function clicksState(): Promise<ClickReconciliation> {
  const res = await api("/v1/admin/reconciliation", { headers: ADMIN });
  expect(res.status).toBe(200);
  return ((await res.json()) as { clicks: ClickReconciliation }).clicks;
}

const lastRun = async () => (await clicksState()).lastRun;

async function spooledIds(): Promise<string[]> {
  const listing = await env.CLICK_SPOOL.list({ prefix: "batches/" });
  return listing.objects.map((o) => o.key.slice("batches/".length));
}

async function spooled(id: string): Promise<ClicksRecorded> {
  const object = await env.CLICK_SPOOL.get(spoolKeyOf(id));
  if (!object) throw new Error(`${id} is not in the spool`);
  return clicksRecordedSchema.parse(await object.json());
}

async function deliveriesOf(eventId: string): Promise<[string, string][]> {
  const { results } = await env.LEDGER_DB.prepare("SELECT subscriber, status FROM deliveries WHERE event_id = ? ORDER BY subscriber")
    .bind(eventId)
    .all<{ subscriber: string; status: string }>();
  return results.map((r) => [r.subscriber, r.status]);
}

/** What the subscribers' reports would have made of their deliveries (the api project runs no webhooks or dashboard consumer). */
async function setDeliveries(eventId: string, statuses: Record<string, string>): Promise<void> {
  const now = new Date().toISOString();
  for (const [subscriber, status] of Object.entries(statuses)) {
    await env.LEDGER_DB.prepare("INSERT OR REPLACE INTO deliveries (event_id, subscriber, status, attempts, updated_at) VALUES (?, ?, ?, 1, ?)")
      .bind(eventId, subscriber, status, now)
      .run();
  }
}

const allDelivered = () => Object.fromEntries(CLICK_SUBSCRIBERS.map((s) => [s, "delivered"]));

/** Copies of a batch on `webhook-events` (the recorder consumes it here): what the ledger's replays sent. */
async function webhookCopies(eventId: string): Promise<number> {
  return (await receivedLogEvents("webhook-events")).filter((e) => e.id === eventId).length;
}

async function dropRows() {
  const { results } = await env.LINKS_DB.prepare("SELECT day, reason, batches, clicks, bots, heads FROM click_drops ORDER BY day, reason").all();
  return results;
}

const waitFor = <T>(check: () => Promise<T | false>) => vi.waitUntil(check, { timeout: 10_000, interval: 50 });

/** A `click-events` producer that refuses every send, and how often it was asked. */
function refusingQueue() {
  let sends = 0;
  const fail = async (): Promise<never> => {
    sends++;
    throw new Error("click queue unavailable (injected)");
  };
  return { queue: { send: fail, sendBatch: fail } as unknown as Queue, sends: () => sends };
}

/** The real spool whose puts are refused (the fault the spool's seam lets a test inject). */
function refusingSpool() {
  let puts = 0;
  const spool: ClickSpool = {
    put: async () => {
      puts++;
      throw new Error("R2 unavailable (injected)");
    },
    get: (key, options) => env.CLICK_SPOOL.get(key, options),
    list: (options) => env.CLICK_SPOOL.list(options),
    delete: (keys) => env.CLICK_SPOOL.delete(keys),
  } as ClickSpool;
  return { bucket: spool as unknown as R2Bucket, puts: () => puts };
}

/** One human click over HTTP on the real queue; answers the id of the batch that carried it. */
async function clickBatchOf(link: LinkBody): Promise<string> {
  expect((await api(`/${link.slug}`, { headers: BROWSER })).status).toBe(302);
  const [click] = await waitForClicks((c) => c.linkId === link.id);
  if (!click) throw new Error("no click");
  return click.batchId;
}

let team: TestTeam | undefined;
const teamOnce = async () => (team ??= await createTeam("Click spool"));

describe("the click spool", () => {
  beforeEach(async () => {
    // Each test starts with an empty spool, a fresh sweep and no drops.
    const ids = await spooledIds();
    if (ids.length > 0) await env.CLICK_SPOOL.delete(ids.map(spoolKeyOf));
    await env.LINKS_DB.prepare("DELETE FROM click_reconciliation").run();
    await env.LINKS_DB.prepare("DELETE FROM click_drops").run();
  });

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

  it("deletes batches past CLICK_SPOOL_MAX_AGE_HOURS: dropped and counted when a subscriber never finished them, cleared when all did", async () => {
    const t = await teamOnce();
    const unfinished = await clickBatchOf(await createLink(t, { url: "https://example.com/expired" }));
    const finished = await clickBatchOf(await createLink(t, { url: "https://example.com/expired-but-done" }));
    await setDeliveries(finished, allDelivered());
    await setDeliveries(unfinished, { analytics: "delivered" });

    // Just before the limit the unfinished one is sent again, not given up.
    await cronAt(Date.now() + 71 * HOUR);
    expect(await lastRun()).toMatchObject({ checked: 2, cleared: 1, expired: 0, kept: 1, resent: 2 });
    expect(await spooledIds()).toEqual([unfinished]);

    await cronAt(Date.now() + 73 * HOUR);
    expect(await lastRun()).toMatchObject({ checked: 1, cleared: 0, expired: 1, resent: 0 });
    expect(await spooledIds()).toEqual([]);
    const day = (await receivedClickBatches()).find((b) => b.id === unfinished)?.data.from.slice(0, 10);
    expect(await dropRows()).toEqual([{ day, reason: "expired", batches: 1, clicks: 1, bots: 0, heads: 0 }]);
    expect((await clicksState()).dropped.byReason.expired).toEqual({ batches: 1, clicks: 1, bots: 0, heads: 0 });
  });

  it("honours a shorter CLICK_SPOOL_MAX_AGE_HOURS", async () => {
    const batchId = await clickBatchOf(await createLink(await teamOnce(), { url: "https://example.com/short-limit" }));
    await cronAt(Date.now() + 3 * HOUR, { CLICK_SPOOL_MAX_AGE_HOURS: "2" });
    expect(await lastRun()).toMatchObject({ checked: 1, expired: 1, resent: 0 });
    expect(await spooledIds()).not.toContain(batchId);
  });

  it("drops and counts an object in the spool that is not a batch", async () => {
    const id = newId("evt");
    await env.CLICK_SPOOL.put(spoolKeyOf(id), "not a batch", { customMetadata: { day: "2026-11-27", clicks: "3", bots: "1", heads: "0", links: "1" } });
    await cronAt(Date.now() + 3 * MINUTE);
    expect(await lastRun()).toMatchObject({ checked: 1, resent: 0, kept: 0 });
    expect(await spooledIds()).toEqual([]);
    expect(await dropRows()).toEqual([{ day: "2026-11-27", reason: "unreadable", batches: 1, clicks: 3, bots: 1, heads: 0 }]);
  });

  it("checks the spool in bounded pages, keeps its place between runs, and starts from the oldest after a sweep", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const batch = clicksRecordedV1.parse({ ...sampleEvents["ClicksRecorded.v1"], id: newId("evt") });
      await spoolBatch(env.CLICK_SPOOL, batch, countsOfBatch(batch));
      await setDeliveries(batch.id, allDelivered());
      ids.push(batch.id);
    }
    // The oldest is still pending (fresh) at one subscriber: kept.
    await setDeliveries(ids[0] ?? "", { analytics: "pending" });
    const small = { RECONCILE_PAGE_SIZE: "2", RECONCILE_PAGES_PER_RUN: "1" };
    const at = Date.now() + 3 * MINUTE;

    await cronAt(at, small);
    expect(await clicksState()).toMatchObject({ cursor: spoolKeyOf(ids[1] ?? ""), sweeps: 0, lastRun: { checked: 2, kept: 1, cleared: 1 } });
    await cronAt(at, small);
    expect(await clicksState()).toMatchObject({ cursor: spoolKeyOf(ids[3] ?? ""), sweeps: 0, lastRun: { checked: 2, kept: 0, cleared: 2 } });
    await cronAt(at, small);
    expect(await clicksState()).toMatchObject({ cursor: null, sweeps: 1, lastRun: { checked: 1, cleared: 1 } });
    expect(await spooledIds()).toEqual([ids[0]]);
    // A new sweep: the kept one is checked again, and goes once delivered.
    await setDeliveries(ids[0] ?? "", { analytics: "delivered" });
    await cronAt(at, small);
    expect(await clicksState()).toMatchObject({ cursor: null, sweeps: 2, lastRun: { checked: 1, cleared: 1 }, totals: { checked: 6, cleared: 5 } });
    expect(await spooledIds()).toEqual([]);
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
