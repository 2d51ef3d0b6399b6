import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LEASE_SECONDS } from "../src/deliver";
import { RETRY_SCHEDULE_SECONDS } from "../src/retry-schedule";
import {
  clockedAttempts,
  createEndpoint,
  deliveriesOf,
  deliveryRow,
  endpointEvents,
  endpointRow,
  insertDelivery,
  received,
  teamId,
  verifyAt,
  waitForDelivery,
  webhooks,
} from "./helpers";

// The delivery state machine on an injected clock: real D1, resolver and outbound HTTP,
// with the next attempts' messages kept by the test (the queue wiring is delivery.unit.test.ts).
const T0 = Date.parse("2026-12-01T00:00:00.000Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Attempts one delivery until it is done, each attempt when its message would arrive; returns the delays. */
async function runToTheEnd(driver: ReturnType<typeof clockedAttempts>, first: { endpointId: string; eventId: string; attempt: number }, start: number) {
  const delays: number[] = [];
  let message = first;
  let at = start;
  for (;;) {
    const before = driver.scheduled.length;
    await driver.attempt(message, at);
    const next = driver.scheduled[before];
    if (!next) return delays;
    delays.push(next.delaySeconds);
    message = next.message;
    at += next.delaySeconds * 1000;
  }
}

describe("retries on the schedule", () => {
  it("waits about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (±20 %) between attempts, then fails the delivery", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/fail/schedule");
    const driver = clockedAttempts();
    const message = await insertDelivery(team, endpoint.id);

    await driver.attempt(message, T0);
    const afterFirst = await deliveryRow(endpoint.id, message.eventId);
    const firstDelay = driver.scheduled[0]?.delaySeconds ?? 0;
    expect(driver.scheduled[0]?.message).toEqual({ ...message, attempt: 2 });
    expect(afterFirst).toMatchObject({
      status: "retrying",
      attempts: 1,
      responseStatus: 500,
      lastError: "the endpoint answered 500",
      nextAttemptAt: new Date(T0 + firstDelay * 1000).toISOString(),
      leaseToken: null,
    });
    expect(afterFirst.responseExcerpt).toHaveLength(1024);

    const delays = [firstDelay, ...(await runToTheEnd(driver, { ...message, attempt: 2 }, T0 + firstDelay * 1000))];
    expect(delays).toHaveLength(RETRY_SCHEDULE_SECONDS.length);
    delays.forEach((delay, i) => {
      const base = RETRY_SCHEDULE_SECONDS[i] ?? 0;
      expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
      expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.2));
    });
    const [log] = await deliveriesOf(team, endpoint.id);
    expect(log).toMatchObject({ status: "failed", attempts: 8, nextAttemptAt: null, deliveredAt: null });
    expect(Object.keys(log ?? {}).sort()).toEqual(
      [
        "attempts",
        "createdAt",
        "deliveredAt",
        "eventId",
        "eventType",
        "id",
        "lastError",
        "nextAttemptAt",
        "responseExcerpt",
        "responseStatus",
        "status",
      ].sort(),
    );
    expect((await received("/fail/schedule")).map((r) => r.headers["webhook-id"])).toEqual(Array(8).fill(message.eventId));
    const detail = await webhooks.delivery({ teamId: team, endpointId: endpoint.id, deliveryId: log?.id ?? "" });
    if (!detail.ok) throw new Error("delivery failed");
    let at = T0;
    expect(detail.value.attemptLog).toEqual(
      [0, ...delays].map((delay, i) => {
        at += delay * 1000;
        return { attempt: i + 1, attemptedAt: new Date(at).toISOString(), responseStatus: 500, error: "the endpoint answered 500" };
      }),
    );
  });

  it("lets Retry-After (seconds or an HTTP date) set the next attempt, within 12 h", async () => {
    const team = teamId();
    const cases = [
      ["120", 120],
      [new Date(T0 + 600_000).toUTCString(), 600],
      ["86400", 43_200],
    ] as const;
    for (const [header, expected] of cases) {
      const endpoint = await createEndpoint(team, `https://hooks.example.com/answer/ra?status=503&retry-after=${encodeURIComponent(header)}`);
      const driver = clockedAttempts();
      const message = await insertDelivery(team, endpoint.id);
      await driver.attempt(message, T0);
      expect(driver.scheduled.map((s) => s.delaySeconds)).toEqual([expected]);
      expect((await deliveryRow(endpoint.id, message.eventId)).nextAttemptAt).toBe(new Date(T0 + expected * 1000).toISOString());
    }
  });
});

describe("disabling a failing endpoint", () => {
  it("disables it when deliveries fail in a row (4 in this test config) and records endpoint.disabled once", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/fail/run");
    const driver = clockedAttempts();
    for (let i = 1; i <= 3; i++) await runToTheEnd(driver, await insertDelivery(team, endpoint.id), T0);
    expect(await endpointRow(endpoint.id)).toMatchObject({ enabled: true, consecutiveFailures: 3, failingSince: new Date(T0).toISOString() });
    await runToTheEnd(driver, await insertDelivery(team, endpoint.id), T0);
    const after = await webhooks.get({ teamId: team, endpointId: endpoint.id });
    expect(after.ok && after.value.enabled).toBe(false);
    expect(after.ok && after.value.disabledReason).toMatch(/^4 deliveries failed in a row; last: the endpoint answered 500$/);
    expect(await endpointEvents(endpoint.id)).toEqual([{ type: "endpoint.disabled", reason: after.ok ? after.value.disabledReason : "" }]);
  });

  it("counts failed deliveries, not attempts, and a success ends the run", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/fail/reset");
    const driver = clockedAttempts();
    // Many failed first attempts (a busy endpoint's short outage) disable nothing.
    for (let i = 0; i < 10; i++) await driver.attempt(await insertDelivery(team, endpoint.id), T0);
    expect(await endpointRow(endpoint.id)).toMatchObject({ enabled: true, consecutiveFailures: 0 });
    for (let i = 0; i < 3; i++) await runToTheEnd(driver, await insertDelivery(team, endpoint.id), T0);
    await webhooks.update({ teamId: team, endpointId: endpoint.id, changes: { url: "https://hooks.example.com/ok/reset" } });
    await driver.attempt(await insertDelivery(team, endpoint.id), T0 + HOUR);
    expect(await endpointRow(endpoint.id)).toMatchObject({ enabled: true, consecutiveFailures: 0, failingSince: null });
  });

  it("disables an endpoint that has failed for 5 days without one success", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/answer/days?status=502");
    const driver = clockedAttempts();
    await driver.attempt(await insertDelivery(team, endpoint.id), T0);
    await driver.attempt(await insertDelivery(team, endpoint.id), T0 + 5 * DAY - HOUR);
    expect((await endpointRow(endpoint.id)).enabled).toBe(true);
    await driver.attempt(await insertDelivery(team, endpoint.id), T0 + 5 * DAY);
    const row = await endpointRow(endpoint.id);
    expect(row).toMatchObject({ enabled: false, consecutiveFailures: 0 });
    expect(row.disabledReason).toBe(`failing since ${new Date(T0).toISOString()} without a success; last: the endpoint answered 502`);
    expect(await endpointEvents(endpoint.id)).toHaveLength(1);
  });
});

describe("one request per attempt", () => {
  it("lets one of two concurrent copies of a message send; a later copy finds the attempt made", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/answer/race?status=500");
    const driver = clockedAttempts();
    const message = await insertDelivery(team, endpoint.id);
    const outcomes = await Promise.all([driver.attempt(message, T0), driver.attempt(message, T0)]);
    expect(outcomes.filter((o) => o.kind === "attempted")).toHaveLength(1);
    expect(await received("/answer/race")).toHaveLength(1);
    const [log] = await deliveriesOf(team, endpoint.id);
    const detail = await webhooks.delivery({ teamId: team, endpointId: endpoint.id, deliveryId: log?.id ?? "" });
    expect(detail.ok && detail.value.attemptLog.map((a) => a.attempt)).toEqual([1]);
    expect(await driver.attempt(message, T0 + 10_000)).toMatchObject({ kind: "skipped" });
    expect(driver.scheduled).toHaveLength(1);
  });

  it("waits out the claim of a crashed attempt, then attempts", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/crashed");
    const driver = clockedAttempts();
    const message = await insertDelivery(team, endpoint.id);
    const leaseUntil = new Date(T0 + LEASE_SECONDS * 1000).toISOString();
    await env.WEBHOOKS_DB.prepare("UPDATE webhook_deliveries SET lease_token = 'crashed', lease_until = ? WHERE event_id = ?")
      .bind(leaseUntil, message.eventId)
      .run();
    expect(await driver.attempt(message, T0 + 10_000)).toEqual({ kind: "wait", why: "held", delaySeconds: LEASE_SECONDS - 10 });
    expect(await received("/ok/crashed")).toHaveLength(0);
    expect(await driver.attempt(message, T0 + LEASE_SECONDS * 1000)).toEqual({ kind: "attempted", verdict: "delivered" });
    expect(await received("/ok/crashed")).toHaveLength(1);
  });

  it("starts a redelivered delivery over: messages of its old run send nothing", async () => {
    const team = teamId();
    // Retry-After: 600 keeps the new run's own second attempt out of this test.
    const endpoint = await createEndpoint(team, "https://hooks.example.com/answer/redeliver-run?status=503&retry-after=600");
    const driver = clockedAttempts();
    const message = await insertDelivery(team, endpoint.id);
    await driver.attempt(message, T0);
    await driver.attempt({ ...message, attempt: 2 }, T0 + 600_000);
    const old = driver.scheduled.at(-1)?.message;
    expect(old).toEqual({ ...message, attempt: 3 });
    const [log] = await deliveriesOf(team, endpoint.id);
    const redelivered = await webhooks.redeliver({ teamId: team, endpointId: endpoint.id, deliveryId: log?.id ?? "" });
    expect(redelivered.ok).toBe(true);
    // The real queue brings the new run's first attempt.
    await waitForDelivery(team, endpoint.id, (d) => d.attempts === 1 && d.status === "retrying");
    expect(await driver.attempt(old ?? message, Date.now() + HOUR)).toEqual({ kind: "skipped", why: "superseded" });
    expect(await received("/answer/redeliver-run")).toHaveLength(3);
    const detail = await webhooks.delivery({ teamId: team, endpointId: endpoint.id, deliveryId: log?.id ?? "" });
    // The log keeps the first run's attempts; the new run counts from 1 again.
    expect(detail.ok && detail.value.attemptLog.map((a) => [a.attempt, a.responseStatus])).toEqual([
      [1, 503],
      [2, 503],
      [1, 503],
    ]);
  });
});

describe("secret rotation", () => {
  it("signs with the new and the old secret for 24 h, then with the new one only", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/rotate");
    const rotated = await webhooks.rotateSecret({ teamId: team, endpointId: endpoint.id });
    if (!rotated.ok) throw new Error("rotate failed");
    const rotatedAt = Date.now();
    const driver = clockedAttempts();

    const during = rotatedAt + 23 * HOUR;
    await driver.attempt(await insertDelivery(team, endpoint.id), during);
    const [first] = await received("/ok/rotate");
    expect(first?.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(() => verifyAt(endpoint.secret, first, during)).not.toThrow();
    expect(() => verifyAt(rotated.value.secret, first, during)).not.toThrow();

    const after = rotatedAt + 24 * HOUR + 60_000;
    await driver.attempt(await insertDelivery(team, endpoint.id), after);
    const second = (await received("/ok/rotate"))[1];
    expect(second?.headers["webhook-signature"]?.split(" ")).toHaveLength(1);
    expect(() => verifyAt(endpoint.secret, second, after)).toThrow();
    expect(() => verifyAt(rotated.value.secret, second, after)).not.toThrow();
  });
});
