import { createScheduledController, env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { webhookDeliveries } from "#db/webhooks";
import { deliverBatch } from "../../../../test/support/consumer-harness";
import { configOf } from "../src/config";
import type { DeliveryMessage } from "../src/delivery-message";
import { webhookBody, type WebhookSourceEvent } from "../src/event-names";
import { newId } from "../../../shared/ids";
import worker from "../src/index";
import { requeueStrandedDeliveries, STRANDED_QUERY, type SweepOptions } from "../src/stranded-deliveries";
import { clockedAttempts, createEndpoint, deliveryRow, linkEvent, received, teamId, waitForDelivery, webhooks } from "./helpers";

// A delivery whose queue message was lost (a purged queue, an incident, a restart of the
// local broker) is found by the minute cron and queued again. Rows are written as the
// fan-out (or a failed attempt) leaves them, and their message is simply never sent.
const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** WEBHOOKS_STRANDED_AFTER_SECONDS: the default, this project sets no other. */
const GRACE = 120 * SECOND;
const OPTIONS: SweepOptions = { graceSeconds: GRACE / SECOND, limit: 500 };
const iso = (ms: number) => new Date(ms).toISOString();

// The tests of a file share one database: each starts from an empty delivery log, so a run's counts are its own.
beforeEach(async () => {
  await env.WEBHOOKS_DB.prepare("DELETE FROM webhook_deliveries").run();
});

type RowFields = Partial<typeof webhookDeliveries.$inferInsert>;

/** A delivery row as the fan-out writes it (pending, no attempt yet) with `fields` over it; no message is sent. */
async function deliveryWithoutMessage(
  team: string,
  endpointId: string,
  fields: RowFields = {},
): Promise<{ id: string; eventId: string; message: DeliveryMessage }> {
  const event = linkEvent(team) as WebhookSourceEvent;
  const id = newId("dlv");
  await drizzle(env.WEBHOOKS_DB)
    .insert(webhookDeliveries)
    .values({
      id,
      endpointId,
      teamId: team,
      eventId: event.id,
      eventType: "link.created",
      payload: webhookBody(event),
      status: "pending",
      attempts: 0,
      createdAt: iso(Date.now()),
      ...fields,
    });
  // The message the delivery waits for: the one that was lost.
  return { id, eventId: event.id, message: { endpointId, eventId: event.id, attempt: (fields.attempts ?? 0) + 1 } };
}

/** Runs the minute cron as Cloudflare would at `at`, and returns the counts it logged (one line per run). */
async function sweepByCron(at: number): Promise<Record<string, unknown>> {
  const log = vi.spyOn(console, "log");
  try {
    await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), env);
    const lines = log.mock.calls.flatMap(([line]) => {
      try {
        const parsed = JSON.parse(String(line)) as Record<string, unknown>;
        return parsed.msg === "stranded deliveries re-queued" ? [parsed] : [];
      } catch {
        return [];
      }
    });
    expect(lines).toHaveLength(1);
    return lines[0] ?? {};
  } finally {
    log.mockRestore();
  }
}

/**
 * The sweep itself at `at`, its messages sent to a queue the test records (the report
 * recorder's) instead of `webhook-deliveries`: no attempt follows, so the rows stay as the
 * sweep left them, and the test sees every message it sent.
 */
function sweepToRecorder(at: number, options: SweepOptions = OPTIONS) {
  return requeueStrandedDeliveries(env.WEBHOOKS_DB, env.DELIVERY_REPORTS, new Date(at), options);
}

async function recordedFor(eventIds: string[]): Promise<DeliveryMessage[]> {
  const all = (await (await env.RECORDER.fetch("https://recorder/?queue=delivery-reports")).json()) as { body: DeliveryMessage }[];
  return all.map((r) => r.body).filter((body) => eventIds.includes(body.eventId));
}

async function waitForRecorded(eventIds: string[], count: number): Promise<DeliveryMessage[]> {
  return vi.waitUntil(
    async () => {
      const found = await recordedFor(eventIds);
      return found.length >= count ? found : false;
    },
    { timeout: 10_000, interval: 50 },
  );
}

const byEvent = (a: DeliveryMessage, b: DeliveryMessage) => a.eventId.localeCompare(b.eventId);

describe("the minute cron re-queues deliveries whose message was lost", () => {
  it("delivers a first attempt whose message was never sent, once it is past the grace", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/lost-first");
    const now = Date.now();
    const lost = await deliveryWithoutMessage(team, endpoint.id, { createdAt: iso(now - GRACE - SECOND) });

    expect(await sweepByCron(now)).toEqual({
      level: "info",
      msg: "stranded deliveries re-queued",
      worker: "webhooks",
      requeued: 1,
      pending: 1,
      retrying: 0,
      limited: false,
    });
    // The next minute's run finds it on its way (or delivered), not stranded again.
    expect(await sweepByCron(now + MINUTE)).toMatchObject({ requeued: 0 });

    const delivery = await waitForDelivery(team, endpoint.id, (d) => d.status === "delivered");
    expect(delivery).toMatchObject({ id: lost.id, attempts: 1, responseStatus: 200 });
    expect((await received("/ok/lost-first")).map((r) => r.headers["webhook-id"])).toEqual([lost.eventId]);
  });

  it("runs the same sweep over RPC for the api's reconciler run (the clock `wrangler dev` can fire)", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/lost-rpc");
    const lost = await deliveryWithoutMessage(team, endpoint.id, { createdAt: iso(Date.now() - GRACE - SECOND) });

    expect(await webhooks.sweepStranded()).toEqual({ pending: 1, retrying: 0, limited: false });
    expect(await webhooks.sweepStranded()).toEqual({ pending: 0, retrying: 0, limited: false });
    const delivery = await waitForDelivery(team, endpoint.id, (d) => d.status === "delivered");
    expect(delivery).toMatchObject({ id: lost.id, attempts: 1, responseStatus: 200 });
    expect((await received("/ok/lost-rpc")).map((r) => r.headers["webhook-id"])).toEqual([lost.eventId]);
  });

  it("delivers a retry whose message was lost, as the attempt the delivery was waiting for", async () => {
    const team = teamId();
    // Fails its first request (503, Retry-After: 1), then answers 200.
    const endpoint = await createEndpoint(team, "https://hooks.example.com/flaky/lost-retry/1");
    const first = await deliveryWithoutMessage(team, endpoint.id);
    const now = Date.now();
    const driver = clockedAttempts();
    // Attempt 1 failed ten minutes ago; the message it sent for attempt 2 never arrived (the test keeps it).
    expect(await driver.attempt(first.message, now - 10 * MINUTE)).toEqual({ kind: "attempted", verdict: "retrying" });
    expect(driver.scheduled.map((s) => s.message)).toEqual([{ ...first.message, attempt: 2 }]);
    expect(await deliveryRow(endpoint.id, first.eventId)).toMatchObject({ status: "retrying", attempts: 1, nextAttemptAt: iso(now - 10 * MINUTE + SECOND) });

    expect(await sweepByCron(now)).toMatchObject({ requeued: 1, pending: 0, retrying: 1 });

    const delivery = await waitForDelivery(team, endpoint.id, (d) => d.status === "delivered");
    expect(delivery).toMatchObject({ attempts: 2, responseStatus: 200 });
    expect((await received("/flaky/lost-retry/")).map((r) => r.headers["webhook-id"])).toEqual([first.eventId, first.eventId]);
    const detail = await webhooks.delivery({ teamId: team, endpointId: endpoint.id, deliveryId: delivery.id });
    expect(detail.ok && detail.value.attemptLog.map((a) => [a.attempt, a.responseStatus])).toEqual([
      [1, 503],
      [2, 200],
    ]);
  });

  it("leaves alone deliveries within the grace, held by an attempt, delivered or failed", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/left-alone");
    const now = Date.now();
    const old = iso(now - 3 * GRACE);
    const leftAlone = [
      await deliveryWithoutMessage(team, endpoint.id, { createdAt: iso(now - GRACE + 10 * SECOND) }),
      await deliveryWithoutMessage(team, endpoint.id, { createdAt: old, status: "retrying", attempts: 1, nextAttemptAt: iso(now - GRACE + 10 * SECOND) }),
      await deliveryWithoutMessage(team, endpoint.id, { createdAt: old, leaseToken: "in-flight", leaseUntil: iso(now + 30 * SECOND) }),
      await deliveryWithoutMessage(team, endpoint.id, { createdAt: old, status: "delivered", attempts: 1, deliveredAt: old }),
      // A failed delivery keeps no next attempt; this one has an old one, so only its status keeps it out.
      await deliveryWithoutMessage(team, endpoint.id, { createdAt: old, status: "failed", attempts: 8, nextAttemptAt: old }),
    ];
    const before = await Promise.all(leftAlone.map((d) => deliveryRow(endpoint.id, d.eventId)));
    // Stranded beside them: one never sent, one whose attempt crashed (its claim ran out) and was lost.
    const stranded = [
      await deliveryWithoutMessage(team, endpoint.id, { createdAt: old }),
      await deliveryWithoutMessage(team, endpoint.id, { createdAt: old, leaseToken: "crashed", leaseUntil: iso(now - SECOND) }),
    ];

    expect(await sweepToRecorder(now)).toEqual({ pending: 2, retrying: 0, limited: false });

    expect(await Promise.all(leftAlone.map((d) => deliveryRow(endpoint.id, d.eventId)))).toEqual(before);
    for (const d of stranded) expect((await deliveryRow(endpoint.id, d.eventId)).nextAttemptAt).toBe(iso(now + GRACE));
    const sent = await waitForRecorded(
      [...leftAlone, ...stranded].map((d) => d.eventId),
      2,
    );
    expect(sent.sort(byEvent)).toEqual(stranded.map((d) => d.message).sort(byEvent));
  });

  it("pushes a re-queued delivery's next attempt a grace ahead: the next runs skip it, and a second lost message is found after that", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/pushed");
    const now = Date.now();
    const lost = await deliveryWithoutMessage(team, endpoint.id, { createdAt: iso(now - GRACE - SECOND) });

    expect(await sweepToRecorder(now)).toMatchObject({ pending: 1 });
    expect((await deliveryRow(endpoint.id, lost.eventId)).nextAttemptAt).toBe(iso(now + GRACE));
    // Re-queued; its message may just be slow: not again while it is within a grace of its new time.
    expect(await sweepToRecorder(now + MINUTE)).toMatchObject({ pending: 0 });
    expect(await sweepToRecorder(now + 2 * GRACE)).toMatchObject({ pending: 0 });
    expect(await sweepToRecorder(now + 2 * GRACE + SECOND)).toMatchObject({ pending: 1 });
    expect((await deliveryRow(endpoint.id, lost.eventId)).nextAttemptAt).toBe(iso(now + 3 * GRACE + SECOND));
    expect(await waitForRecorded([lost.eventId], 2)).toEqual([lost.message, lost.message]);
  });

  it("takes the most overdue first, at most the limit a run, and the rest the next run", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/limit");
    const now = Date.now();
    const oldest = await deliveryWithoutMessage(team, endpoint.id, { createdAt: iso(now - 30 * MINUTE) });
    const newest = await deliveryWithoutMessage(team, endpoint.id, { createdAt: iso(now - 5 * MINUTE) });
    // Created long ago, but due (its retry time) between the two.
    const middle = await deliveryWithoutMessage(team, endpoint.id, {
      createdAt: iso(now - 60 * MINUTE),
      status: "retrying",
      attempts: 2,
      nextAttemptAt: iso(now - 10 * MINUTE),
    });

    expect(await sweepToRecorder(now, { ...OPTIONS, limit: 2 })).toEqual({ pending: 1, retrying: 1, limited: true });
    expect((await deliveryRow(endpoint.id, newest.eventId)).nextAttemptAt).toBeNull();
    expect(await sweepToRecorder(now, { ...OPTIONS, limit: 2 })).toEqual({ pending: 1, retrying: 0, limited: false });
    const sent = await waitForRecorded(
      [oldest, middle, newest].map((d) => d.eventId),
      3,
    );
    expect(sent.map((m) => [m.eventId, m.attempt])).toEqual([
      [oldest.eventId, 1],
      [middle.eventId, 3],
      [newest.eventId, 1],
    ]);
  });

  it("re-queues more than one sendBatch holds (150 messages: 100, then 50)", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/many");
    const now = Date.now();
    const rows = Array.from({ length: 150 }, (_, i) => ({ id: newId("dlv"), eventId: newId("evt"), createdAt: iso(now - GRACE - (i + 1) * SECOND) }));
    await env.WEBHOOKS_DB.prepare(
      `INSERT INTO webhook_deliveries (id, endpoint_id, team_id, event_id, event_type, payload, status, attempts, created_at)
       SELECT value->>'id', ?2, ?3, value->>'eventId', 'link.created', '{}', 'pending', 0, value->>'createdAt' FROM json_each(?1)`,
    )
      .bind(JSON.stringify(rows), endpoint.id, team)
      .run();

    expect(await sweepToRecorder(now)).toEqual({ pending: 150, retrying: 0, limited: false });
    const sent = await waitForRecorded(
      rows.map((r) => r.eventId),
      150,
    );
    expect(new Set(sent.map((m) => m.eventId)).size).toBe(150);
  });

  it("keeps the next attempt time of a delivery attempted while its copy was being sent", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/answer/meanwhile?status=503&retry-after=600");
    const now = Date.now();
    const lost = await deliveryWithoutMessage(team, endpoint.id, {
      createdAt: iso(now - 60 * MINUTE),
      status: "retrying",
      attempts: 1,
      nextAttemptAt: iso(now - 10 * MINUTE),
    });
    // The real queue, with the late original message's attempt made just as the sweep sends its copy.
    const driver = clockedAttempts();
    const queue: Queue<DeliveryMessage> = {
      send: (body, options) => env.DELIVERY_REPORTS.send(body, options),
      metrics: () => env.DELIVERY_REPORTS.metrics(),
      sendBatch: async (messages, options) => {
        expect(await driver.attempt(lost.message, now)).toEqual({ kind: "attempted", verdict: "retrying" });
        return env.DELIVERY_REPORTS.sendBatch(messages, options);
      },
    };

    expect(await requeueStrandedDeliveries(env.WEBHOOKS_DB, queue, new Date(now), OPTIONS)).toMatchObject({ retrying: 1 });
    // The endpoint's Retry-After (600 s) stands, not the sweep's push (a grace).
    expect(await deliveryRow(endpoint.id, lost.eventId)).toMatchObject({ attempts: 2, nextAttemptAt: iso(now + 600 * SECOND) });
  });

  it("counts a redelivered delivery as due from its redelivery, not from its creation", async () => {
    const team = teamId();
    // Any attempt of it leaves it retrying 12 h later, so it is never stranded after one either.
    const endpoint = await createEndpoint(team, "https://hooks.example.com/answer/redelivered?status=503&retry-after=43200");
    const now = Date.now();
    const finished = await deliveryWithoutMessage(team, endpoint.id, { createdAt: iso(now - 24 * 60 * MINUTE), status: "failed", attempts: 8 });
    expect((await webhooks.redeliver({ teamId: team, endpointId: endpoint.id, deliveryId: finished.id })).ok).toBe(true);
    expect(await sweepToRecorder(Date.now())).toMatchObject({ pending: 0 });
  });
});

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
