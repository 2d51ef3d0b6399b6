import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { LinkEvent } from "#events";
import { sampleEvents } from "#events/samples";
import { queueBatch, runBatch, settleBatch } from "../../../test/support/queue-batch";
import { createQueueHandler } from "../consumer/run-consumer";

interface TestEnv {
  TOOLKIT_DB: D1Database;
  DELIVERY_REPORTS: Queue;
}

const performed: string[] = [];
const failPerformFor = new Set<string>();

// A consumer like any other: counts events per link (aggregated per batch) and remembers what it performed.
const handler = createQueueHandler<TestEnv>({
  subscriber: "analytics",
  reports: (e) => e.DELIVERY_REPORTS,
  database: (e) => e.TOOLKIT_DB,
  async perform(event) {
    if (failPerformFor.has(event.id)) throw new Error(`perform failed for ${event.id}`);
    performed.push(event.id);
  },
  effects(events, db) {
    const perLink = new Map<string, number>();
    for (const e of events) perLink.set(e.subject, (perLink.get(e.subject) ?? 0) + 1);
    return [...perLink].map(([link, n]) =>
      db.prepare("INSERT INTO link_counts (link_id, events) VALUES (?1, ?2) ON CONFLICT (link_id) DO UPDATE SET events = events + ?2").bind(link, n),
    );
  },
});

let seq = 0;
function event(subject: string): LinkEvent {
  seq += 1;
  return { ...structuredClone(sampleEvents["LinkClicked.v1"]), id: `evt_01JF${String(seq).padStart(22, "0")}`, subject } as LinkEvent;
}

function run(bodies: unknown[], attempts = 1) {
  return runBatch("analytics-events", bodies, (batch) => handler(batch, env as unknown as TestEnv), attempts);
}

async function count(link: string): Promise<number | null> {
  const row = await env.TOOLKIT_DB.prepare("SELECT events FROM link_counts WHERE link_id = ?").bind(link).first<{ events: number }>();
  return row?.events ?? null;
}

interface Report {
  subscriber: string;
  reports: { eventId: string; status: string; attempts: number; error: string | null }[];
  invalid: { body: string; reason: string }[];
}

async function reportsFor(eventId: string): Promise<Report["reports"]> {
  return vi.waitUntil(
    async () => {
      const res = await env.RECORDER.fetch("https://recorder/?queue=delivery-reports");
      const found = ((await res.json()) as { body: Report }[]).flatMap((r) => r.body.reports.filter((x) => x.eventId === eventId));
      return found.length > 0 ? found : false;
    },
    { timeout: 5_000, interval: 20 },
  );
}

describe("createQueueHandler", () => {
  it("commits the aggregated effect with the receipts, acks, and reports delivered", async () => {
    const link = "lnk_01JF0000000000000000000001";
    const events = [event(link), event(link), event(link)];
    const result = await run(events);
    expect(result.explicitAcks.length).toBe(3);
    expect(await count(link)).toBe(3);
    expect(await reportsFor(events[0]?.id ?? "")).toEqual([{ eventId: events[0]?.id, status: "delivered", attempts: 1, error: null, duplicate: false }]);
  });

  it("counts an event once, whether repeated in one batch or redelivered later", async () => {
    const link = "lnk_01JF0000000000000000000002";
    const e = event(link);
    await run([e, e, event(link)]);
    expect(await count(link)).toBe(2);
    const again = await run([e], 2);
    expect(again.explicitAcks.length).toBe(1);
    expect(await count(link)).toBe(2);
    expect(performed.filter((id) => id === e.id)).toHaveLength(1);
  });

  it("acks and dead-letters (via the report) a message that is not an envelope, with the reason", async () => {
    const result = await run([{ hello: "world" }]);
    expect(result.explicitAcks.length).toBe(1);
    const invalid = await vi.waitUntil(async () => {
      const all = ((await (await env.RECORDER.fetch("https://recorder/?queue=delivery-reports")).json()) as { body: Report }[]).flatMap((r) => r.body.invalid);
      return all.find((i) => i.body.includes("hello")) ?? false;
    });
    expect(invalid.reason).toMatch(/^invalid envelope: /);
  });

  it("retries only the event whose perform failed, with a backoff delay, and reports it retrying", async () => {
    const link = "lnk_01JF0000000000000000000003";
    const ok = event(link);
    const failing = event(link);
    failPerformFor.add(failing.id);
    const result = await run([ok, failing], 3);
    expect(result.explicitAcks).toEqual([expect.stringContaining("-0")]);
    expect(result.retryMessages).toHaveLength(1);
    // getQueueResult does not capture a retry's delaySeconds; retryDelaySeconds has its own tests.
    expect(await count(link)).toBe(1);
    expect(await reportsFor(failing.id)).toEqual([
      { eventId: failing.id, status: "retrying", attempts: 3, error: `perform failed for ${failing.id}`, duplicate: false },
    ]);
  });

  it("isolates an event whose effect poisons the aggregated batch: the others still commit", async () => {
    const good = event("lnk_01JF0000000000000000000004");
    const poison = event("lnk_POISON00000000000000000");
    const result = await run([good, poison]);
    expect(result.explicitAcks.length).toBe(1);
    expect(result.retryMessages.length).toBe(1);
    expect(await count("lnk_01JF0000000000000000000004")).toBe(1);
    const receipt = await env.TOOLKIT_DB.prepare("SELECT 1 AS x FROM consumer_receipts WHERE event_id = ?").bind(poison.id).first();
    expect(receipt).toBeNull();
  });
});

describe("the subscriber name", () => {
  it("is one of the subscription list's: a typo does not compile (npm run typecheck checks this file)", () => {
    const spec = {
      // @ts-expect-error "analytcs" is no subscriber of contracts/fanout/subscriptions.ts
      subscriber: "analytcs",
      reports: (e: TestEnv) => e.DELIVERY_REPORTS,
    } satisfies Parameters<typeof createQueueHandler<TestEnv>>[0];
    expect(spec.subscriber).toBe("analytcs");
  });
});

describe("fault injection (for e2e tests of dead letters)", () => {
  it("fails only the subscriber named in the tag, only when the Worker's FAULT_INJECTION_TAG is set", async () => {
    const created = { ...structuredClone(sampleEvents["LinkCreated.v2"]), id: "evt_01JF9999999999999999999991" } as LinkEvent;
    if (created.type !== "LinkCreated") throw new Error("sample is not LinkCreated");
    created.data.link.tags = ["chaos:analytics"];
    const off = queueBatch("analytics-events", [created]);
    await expect(settleBatch(off, (batch) => handler(batch, env as unknown as TestEnv))).resolves.toMatchObject({
      explicitAcks: off.messages.map((m) => m.id),
    });

    const otherSubscriber = {
      ...created,
      id: "evt_01JF9999999999999999999992",
      data: { ...created.data, link: { ...created.data.link, tags: ["chaos:billing"] } },
    };
    const on = queueBatch("analytics-events", [{ ...created, id: "evt_01JF9999999999999999999993" }, otherSubscriber]);
    const result = await settleBatch(on, (batch) => handler(batch, { ...(env as unknown as TestEnv), FAULT_INJECTION_TAG: "chaos" } as TestEnv));
    const [faultOn, faultOther] = on.messages.map((m) => m.id);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([faultOn]);
    expect(result.explicitAcks).toEqual([faultOther]);
    expect(await reportsFor("evt_01JF9999999999999999999993")).toEqual([
      { eventId: "evt_01JF9999999999999999999993", status: "retrying", attempts: 1, error: "injected fault (chaos:analytics)", duplicate: false },
    ]);
  });
});
