import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LinkEvent } from "#events";
import { sampleEvents } from "#events/samples";
import { CONSUMER_FAILURE, D1_WRITE_FAILURE } from "../chaos";
import { runBatch } from "../../../test/support/queue-batch";
import { createQueueHandler } from "../consumer/run-consumer";

interface TestEnv {
  TOOLKIT_DB: D1Database;
  DELIVERY_REPORTS: Queue;
  CHAOS?: string;
}

const performed: string[] = [];

// A D1-backed consumer like the analytics one: an effect outside D1 (perform) and a counter per link in D1.
const handler = createQueueHandler<TestEnv>({
  subscriber: "analytics",
  reports: (e) => e.DELIVERY_REPORTS,
  database: (e) => e.TOOLKIT_DB,
  async perform(event) {
    performed.push(event.id);
  },
  effects: (events, db) =>
    events.map((e) =>
      db.prepare("INSERT INTO link_counts (link_id, events) VALUES (?1, 1) ON CONFLICT (link_id) DO UPDATE SET events = events + 1").bind(e.subject),
    ),
});

let seq = 0;
function event(): LinkEvent {
  seq += 1;
  const id = String(seq).padStart(22, "0");
  return { ...structuredClone(sampleEvents["LinkClicked.v1"]), id: `evt_01JC${id}`, subject: `lnk_01JC${id}` } as LinkEvent;
}

async function deliver(events: LinkEvent[], chaos: object | undefined, attempts = 1) {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  const result = await runBatch(
    "analytics-events",
    events,
    (batch) => handler(batch, { ...(env as unknown as TestEnv), CHAOS: chaos ? JSON.stringify(chaos) : "" }),
    attempts,
  );
  const retried = warn.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>).filter((l) => l.msg === "event retried");
  return { result, retried };
}

async function countOf(event: LinkEvent): Promise<number | null> {
  const row = await env.TOOLKIT_DB.prepare("SELECT events FROM link_counts WHERE link_id = ?").bind(event.subject).first<{ events: number }>();
  return row?.events ?? null;
}

async function receiptOf(event: LinkEvent): Promise<unknown> {
  return env.TOOLKIT_DB.prepare("SELECT 1 AS x FROM consumer_receipts WHERE event_id = ?").bind(event.id).first();
}

async function reportsFor(eventId: string): Promise<{ eventId: string; status: string; error: string | null }[]> {
  return vi.waitUntil(
    async () => {
      const res = await env.RECORDER.fetch("https://recorder/?queue=delivery-reports");
      const found = ((await res.json()) as { body: { reports?: { eventId: string; status: string; error: string | null }[] } }[]).flatMap((r) =>
        (r.body.reports ?? []).filter((x) => x.eventId === eventId),
      );
      return found.length > 0 ? found : false;
    },
    { timeout: 5_000, interval: 20 },
  );
}

const hour = 3600_000;
const openWindow = (subscribers?: string[]) => ({
  d1WriteFailure: { from: new Date(Date.now() - hour).toISOString(), to: new Date(Date.now() + hour).toISOString(), ...(subscribers ? { subscribers } : {}) },
});
const pastWindow = { d1WriteFailure: { from: new Date(Date.now() - 2 * hour).toISOString(), to: new Date(Date.now() - hour).toISOString() } };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("CHAOS consumerFailureRate", () => {
  it("at 1 retries every message, before doing anything, with the chaos error after 1 s, and reports it retrying", async () => {
    const events = [event(), event(), event()];
    const { result, retried } = await deliver(events, { consumerFailureRate: 1 });
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toHaveLength(3);
    expect(retried.map((l) => [l.eventId, l.error, l.delaySeconds])).toEqual(events.map((e) => [e.id, CONSUMER_FAILURE, 1]));
    for (const e of events) {
      expect(await reportsFor(e.id)).toEqual([expect.objectContaining({ eventId: e.id, status: "retrying", error: CONSUMER_FAILURE })]);
      expect(await countOf(e)).toBeNull();
      expect(await receiptOf(e)).toBeNull();
    }
    expect(performed.filter((id) => events.some((e) => e.id === id))).toEqual([]);
  });

  it("at 0 processes normally", async () => {
    const events = [event(), event()];
    const { result, retried } = await deliver(events, { consumerFailureRate: 0 });
    expect(result.explicitAcks).toHaveLength(2);
    expect(retried).toEqual([]);
    for (const e of events) expect(await countOf(e)).toBe(1);
  });
});

describe("CHAOS d1WriteFailure", () => {
  it("while the window is open, fails the effects-and-receipts batch: messages retry with the D1 error, nothing written; after it, they succeed", async () => {
    const events = [event(), event()];
    const during = await deliver(events, openWindow());
    expect(during.result.retryMessages).toHaveLength(2);
    expect(during.retried.map((l) => l.error)).toEqual([D1_WRITE_FAILURE, D1_WRITE_FAILURE]);
    for (const e of events) {
      expect(await countOf(e)).toBeNull();
      expect(await receiptOf(e)).toBeNull();
      expect(await reportsFor(e.id)).toEqual([expect.objectContaining({ status: "retrying", error: D1_WRITE_FAILURE })]);
    }

    const after = await deliver(events, pastWindow, 2);
    expect(after.result.explicitAcks).toHaveLength(2);
    for (const e of events) {
      expect(await countOf(e)).toBe(1);
      expect(await receiptOf(e)).not.toBeNull();
    }
  });

  it("spares a subscriber the window does not name", async () => {
    const e = event();
    const { result } = await deliver([e], openWindow(["billing", "qr"]));
    expect(result.explicitAcks).toHaveLength(1);
    expect(await countOf(e)).toBe(1);
  });

  it("hits a subscriber the window names", async () => {
    const e = event();
    const { result } = await deliver([e], openWindow(["analytics"]));
    expect(result.retryMessages).toHaveLength(1);
    expect(await countOf(e)).toBeNull();
  });
});
