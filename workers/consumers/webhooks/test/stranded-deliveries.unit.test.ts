// The minute cron finds deliveries whose queue message was lost and queues them again.
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { DeliveryMessage } from "../src/delivery-message";
import { newId } from "../../../shared/ids";
import { requeueStrandedDeliveries } from "../src/stranded-deliveries";
import { clockedAttempts, createEndpoint, deliveryRow, received, teamId, waitForDelivery, webhooks } from "./helpers";
import {
  GRACE,
  MINUTE,
  OPTIONS,
  SECOND,
  byEvent,
  deliveryWithoutMessage,
  emptyDeliveryLog,
  iso,
  sweepByCron,
  sweepToRecorder,
  waitForRecorded,
} from "./stranded-support";

beforeEach(emptyDeliveryLog);

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
