// A swept copy and its late original make one attempt; the crons; the sweep's query and settings.
import { createScheduledController, env } from "cloudflare:test";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { deliverBatch } from "../../../../test/support/consumer-harness";
import { configOf } from "../src/config";
import { newId } from "../../../shared/ids";
import worker from "../src/index";
import { STRANDED_QUERY } from "../src/stranded-deliveries";
import { clockedAttempts, createEndpoint, deliveryRow, received, teamId, waitForDelivery } from "./helpers";
import { GRACE, MINUTE, SECOND, deliveryWithoutMessage, emptyDeliveryLog, iso, sweepByCron, sweepToRecorder, waitForRecorded } from "./stranded-support";

beforeEach(emptyDeliveryLog);

describe("a swept copy and the original message", () => {
  it("make one attempt when they arrive together, and the later one finds it made", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/race-first");
    const now = Date.now();
    // The original message was not lost, only late: the sweep sends a copy of it.
    const late = await deliveryWithoutMessage(team, endpoint.id, { createdAt: iso(now - GRACE - SECOND) });
    const original = late.message;
    await sweepToRecorder(now);
    const [copy] = await waitForRecorded([late.eventId], 1);
    expect(copy).toEqual(original);

    const together = await deliverBatch(worker, env, "webhook-deliveries", [original, copy]);
    expect(together.explicitAcks).toHaveLength(1);
    expect(together.retryMessages).toHaveLength(1);
    const again = await deliverBatch(worker, env, "webhook-deliveries", [original]);
    expect(again.explicitAcks).toHaveLength(1);
    expect(await received("/ok/race-first")).toHaveLength(1);
    expect(await deliveryRow(endpoint.id, late.eventId)).toMatchObject({ status: "delivered", attempts: 1 });
  });

  it("make one request through the real queue, whichever the handler takes first", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/race-queue");
    const now = Date.now();
    const late = await deliveryWithoutMessage(team, endpoint.id, { createdAt: iso(now - GRACE - SECOND) });
    const log = vi.spyOn(console, "log");
    try {
      await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "* * * * *" }), env);
      await env.WEBHOOK_DELIVERIES.send(late.message, { contentType: "json" });
      // The handler logs each message it took, after its request if it made one.
      const taken = await vi.waitUntil(
        () => {
          const lines = log.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('"msg":"webhook attempt"') && line.includes(late.eventId));
          return lines.length >= 2 ? lines : false;
        },
        { timeout: 10_000, interval: 50 },
      );
      expect(taken.filter((line) => line.includes('"outcome":"attempted"'))).toHaveLength(1);
    } finally {
      log.mockRestore();
    }
    expect(await received("/ok/race-queue")).toHaveLength(1);
    expect(await deliveryRow(endpoint.id, late.eventId)).toMatchObject({ status: "delivered", attempts: 1 });
  });

  it("make one attempt of a retry when the copy comes first and the late original after it", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/flaky/race-retry/1");
    const first = await deliveryWithoutMessage(team, endpoint.id);
    const now = Date.now();
    const driver = clockedAttempts();
    await driver.attempt(first.message, now - 10 * MINUTE);
    const original = driver.scheduled[0]?.message;
    expect(original).toEqual({ endpointId: endpoint.id, eventId: first.eventId, attempt: 2 });
    await sweepToRecorder(now);
    const [copy] = await waitForRecorded([first.eventId], 1);
    expect(copy).toEqual(original);

    await deliverBatch(worker, env, "webhook-deliveries", [copy]);
    const late = await deliverBatch(worker, env, "webhook-deliveries", [original]);
    expect(late.explicitAcks).toHaveLength(1);
    // Attempt 1 (503) and attempt 2 (200), one request each.
    expect(await received("/flaky/race-retry/")).toHaveLength(2);
    expect(await deliveryRow(endpoint.id, first.eventId)).toMatchObject({ status: "delivered", attempts: 2 });
  });
});

describe("the crons", () => {
  it("runs the sweep every minute and the retention hourly, each without the other", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/crons");
    const now = Date.now();
    const stranded = await deliveryWithoutMessage(team, endpoint.id, { createdAt: iso(now - GRACE - SECOND) });
    const expired = (daysOld: number) =>
      deliveryWithoutMessage(team, endpoint.id, {
        id: newId("dlv", now - daysOld * 24 * 60 * MINUTE),
        createdAt: iso(now - daysOld * 24 * 60 * MINUTE),
        status: "delivered",
        attempts: 1,
      });
    const pastRetention = await expired(31);

    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "17 * * * *" }), env);
    await expect(deliveryRow(endpoint.id, pastRetention.eventId)).rejects.toThrow(/no delivery/);
    expect(await deliveryRow(endpoint.id, stranded.eventId)).toMatchObject({ status: "pending", nextAttemptAt: null });

    const alsoPastRetention = await expired(40);
    expect(await sweepByCron(now)).toMatchObject({ requeued: 1 });
    expect(await deliveryRow(endpoint.id, alsoPastRetention.eventId)).toMatchObject({ status: "delivered" });
    await waitForDelivery(team, endpoint.id, (d) => d.id === stranded.id && d.status === "delivered");
  });

  it("fails a run of a cron it has no job for", async () => {
    await expect(worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "5 * * * *" }), env)).rejects.toThrow(
      /no job for the cron "5 \* \* \* \*"/,
    );
  });
});

describe("the search for stranded deliveries", () => {
  it("reads the due index, not the whole delivery log", async () => {
    const { results } = await env.WEBHOOKS_DB.prepare(`EXPLAIN QUERY PLAN ${STRANDED_QUERY}`).bind(iso(0), iso(0), 1).all<{ detail: string }>();
    expect(results.map((r) => r.detail)).toEqual([expect.stringMatching(/^SEARCH webhook_deliveries USING INDEX webhook_deliveries_due_idx/)]);
  });

  it("takes its grace and limit from the optional vars, 120 s and 500 by default", () => {
    expect(configOf({ ...env })).toMatchObject({ WEBHOOKS_STRANDED_AFTER_SECONDS: 120, WEBHOOKS_SWEEP_LIMIT: 500 });
    expect(configOf({ ...env, WEBHOOKS_STRANDED_AFTER_SECONDS: "600", WEBHOOKS_SWEEP_LIMIT: "50" })).toMatchObject({
      WEBHOOKS_STRANDED_AFTER_SECONDS: 600,
      WEBHOOKS_SWEEP_LIMIT: 50,
    });
    // Below the queue's own lag, every late message would get a copy.
    expect(() => configOf({ ...env, WEBHOOKS_STRANDED_AFTER_SECONDS: "5" })).toThrow(/WEBHOOKS_STRANDED_AFTER_SECONDS/);
    expect(() => configOf({ ...env, WEBHOOKS_SWEEP_LIMIT: "0" })).toThrow(/WEBHOOKS_SWEEP_LIMIT/);
  });
});
