import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { deliveryReportSchema } from "#contracts/fanout/ledger-rpc";
import type { LinkEvent } from "#events";
import { sampleEvents } from "#events/samples";
import { failingQueue, QUEUE_SEND_FAILURE } from "../chaos";
import { deliveryReport } from "../consumer/delivery-report";
import { parseBatch } from "../consumer/parse-batch";
import { settle } from "../consumer/settle";
import { logger } from "../log";

let seq = 0;
function event(): LinkEvent {
  seq += 1;
  return { ...structuredClone(sampleEvents["LinkDeleted.v1"]), id: `evt_01JT${String(seq).padStart(22, "0")}` } as LinkEvent;
}

/** Four messages, one of each fate: processed, duplicate, retried (own delay), not an envelope; and one left undecided. */
function batchOfFates(attempts = 3) {
  const bodies = [event(), event(), event(), { not: "an envelope" }, event()];
  const batch = createMessageBatch(
    "analytics-events",
    bodies.map((body, i) => ({ id: `f${seq}-${i}`, timestamp: new Date(), attempts, body })),
  );
  const items = parseBatch(batch.messages, () => null);
  const [processed, duplicate, retried] = items;
  if (processed) processed.outcome = { kind: "delivered", duplicate: false };
  if (duplicate) duplicate.outcome = { kind: "delivered", duplicate: true };
  if (retried) retried.outcome = { kind: "retry", error: "perform failed", delaySeconds: 7 };
  return { batch, items, ids: bodies.map((b) => (typeof b === "object" && "id" in b ? String(b.id) : null)) };
}

function logLines(spy: { mock: { calls: unknown[][] } }): Record<string, unknown>[] {
  return spy.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("deliveryReport", () => {
  it("reports each decided event and each unparsed message, in the ledger's schema", () => {
    const { items, ids } = batchOfFates();
    const report = deliveryReportSchema.parse(deliveryReport("analytics", items));
    expect(report.subscriber).toBe("analytics");
    expect(report.reports).toEqual([
      { eventId: ids[0], status: "delivered", attempts: 3, error: null, duplicate: false },
      { eventId: ids[1], status: "delivered", attempts: 3, error: null, duplicate: true },
      { eventId: ids[2], status: "retrying", attempts: 3, error: "perform failed", duplicate: false },
    ]);
    expect(report.invalid).toEqual([{ body: JSON.stringify({ not: "an envelope" }), reason: expect.stringMatching(/^invalid envelope: /), attempts: 3 }]);
  });

  it("caps an unparsed body at 8,000 characters", () => {
    const batch = createMessageBatch("analytics-events", [{ id: "big", timestamp: new Date(), attempts: 1, body: "x".repeat(20_000) }]);
    const [invalid] =
      deliveryReport(
        "analytics",
        parseBatch(batch.messages, () => null),
      ).invalid ?? [];
    expect(invalid?.body).toHaveLength(8_000);
  });
});

describe("settle", () => {
  it("sends the report, acks the delivered and the invalid, retries the retried (its delay) and the undecided (backoff)", async () => {
    const { batch, items, ids } = batchOfFates();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    await settle(items, { subscriber: "analytics", reports: env.DELIVERY_REPORTS, retry: { baseSeconds: 100, capSeconds: 100 }, log: logger("analytics") });
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.explicitAcks).toEqual([`f${seq}-0`, `f${seq}-1`, `f${seq}-3`]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([`f${seq}-2`, `f${seq}-4`]);
    const retried = logLines(warn).map((l) => [l.eventId, l.delaySeconds, l.error]);
    // Backoff with base = cap = 100 s lands in [50, 100] whatever the jitter.
    expect(retried).toEqual([
      [ids[2], 7, "perform failed"],
      [ids[4], expect.any(Number), "not processed"],
    ]);
    const backoff = Number(retried[1]?.[1]);
    expect(backoff).toBeGreaterThanOrEqual(50);
    expect(backoff).toBeLessThanOrEqual(100);
    const reported = await vi.waitUntil(
      async () => {
        const all = (await (await env.RECORDER.fetch("https://recorder/?queue=delivery-reports")).json()) as { body: { reports: { eventId: string }[] } }[];
        return all.find((r) => r.body.reports.some((x) => x.eventId === ids[0])) ?? false;
      },
      { timeout: 5_000, interval: 20 },
    );
    expect(reported.body.reports.map((r) => r.eventId)).toEqual([ids[0], ids[1], ids[2]]);
  });

  it("retries every message, invalid ones too, when the report cannot be sent: the retry reports again", async () => {
    const { batch, items } = batchOfFates(1);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await settle(items, { subscriber: "analytics", reports: failingQueue(env.DELIVERY_REPORTS, 1), log: logger("analytics") });
    const result = await getQueueResult(batch, createExecutionContext());
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toHaveLength(5);
    expect(logLines(warn).map((l) => l.error)).toEqual([
      `report not sent: ${QUEUE_SEND_FAILURE}`,
      `report not sent: ${QUEUE_SEND_FAILURE}`,
      "perform failed",
      `report not sent: ${QUEUE_SEND_FAILURE}`,
      `report not sent: ${QUEUE_SEND_FAILURE}`,
    ]);
  });
});
