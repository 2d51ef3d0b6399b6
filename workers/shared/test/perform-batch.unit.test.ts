import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { LinkEvent } from "#events";
import { sampleEvents } from "#events/samples";
import { queueBatch, runBatch, settleBatch } from "../../../test/support/queue-batch";
import { createQueueHandler } from "../consumer/run-consumer";

interface TestEnv {
  DELIVERY_REPORTS: Queue;
}

// A consumer without its own D1 whose effect is grouped, like the dashboard's one RPC per team.
const calls: string[][] = [];
const failFor = new Set<string>();
const alreadyDone = new Set<string>();
let throwAll = false;

const handler = createQueueHandler<TestEnv>({
  subscriber: "dashboard",
  reports: (e) => e.DELIVERY_REPORTS,
  async performBatch(events) {
    if (throwAll) throw new Error("effect unavailable");
    calls.push(events.map((e) => e.id));
    return {
      failed: events.filter((e) => failFor.has(e.id)).map((e) => ({ eventId: e.id, error: `failed ${e.id}` })),
      duplicates: events.filter((e) => alreadyDone.has(e.id)).map((e) => e.id),
    };
  },
});

let seq = 0;
function event(): LinkEvent {
  seq += 1;
  return { ...structuredClone(sampleEvents["LinkDeleted.v1"]), id: `evt_01JG${String(seq).padStart(22, "0")}` } as LinkEvent;
}

const handle = (batch: MessageBatch<unknown>) => handler(batch, env as unknown as TestEnv);
const run = (bodies: unknown[]) => runBatch("dashboard-events", bodies, handle);

interface Report {
  reports: { eventId: string; status: string; duplicate: boolean }[];
}

async function reportOf(eventId: string): Promise<Report["reports"][number]> {
  return vi.waitUntil(
    async () => {
      const all = ((await (await env.RECORDER.fetch("https://recorder/?queue=delivery-reports")).json()) as { body: Report }[]).flatMap((r) => r.body.reports);
      return all.find((r) => r.eventId === eventId) ?? false;
    },
    { timeout: 5_000, interval: 20 },
  );
}

describe("createQueueHandler with performBatch", () => {
  it("hands all fresh events of a batch to one call, once each, and acks them", async () => {
    const [a, b] = [event(), event()];
    const result = await run([a, b, a, { not: "an event" }]);
    expect(calls.at(-1)).toEqual([a.id, b.id]);
    expect(result.explicitAcks).toHaveLength(4);
    expect(await reportOf(b.id)).toMatchObject({ status: "delivered", duplicate: false });
  });

  it("retries only the events the call reports failed, and reports the ones it found done as duplicates", async () => {
    const [ok, failing, done] = [event(), event(), event()];
    failFor.add(failing.id);
    alreadyDone.add(done.id);
    const batch = queueBatch("dashboard-events", [ok, failing, done]);
    const result = await settleBatch(batch, handle);
    const [okId, failingId, doneId] = batch.messages.map((m) => m.id);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([failingId]);
    expect(result.explicitAcks).toEqual([okId, doneId]);
    expect(await reportOf(failing.id)).toMatchObject({ status: "retrying" });
    expect(await reportOf(done.id)).toMatchObject({ status: "delivered", duplicate: true });
  });

  it("retries every event when the call throws", async () => {
    throwAll = true;
    try {
      const result = await run([event(), event()]);
      expect(result.retryMessages).toHaveLength(2);
      expect(result.explicitAcks).toEqual([]);
    } finally {
      throwAll = false;
    }
  });
});
