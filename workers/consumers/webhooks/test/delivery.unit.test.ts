import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { deliverBatch } from "../../../../test/support/consumer-harness";
import worker from "../src/index";
import { USER_AGENT } from "../src/send-webhook";
import {
  clockedAttempts,
  createEndpoint,
  deliveriesOf,
  deliveryRow,
  endpointEvents,
  insertDelivery,
  linkEvent,
  publish,
  received,
  teamId,
  waitForDelivery,
  waitForReceived,
  webhooks,
} from "./helpers";

// Through the real queues: webhook-events (the toolkit) → delivery rows and messages →
// webhook-deliveries → HTTP to endpoints answered by test/outbound.ts.
describe("webhook delivery through the queues", () => {
  it("sends a created link signed so the official Standard Webhooks verifier accepts it", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/sign");
    const event = linkEvent(team);
    await publish([event]);
    const [request] = await waitForReceived("/ok/sign", 1);
    expect(request?.headers).toMatchObject({ "webhook-id": event.id, "content-type": "application/json", "user-agent": USER_AGENT });
    expect(request?.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(Number(request?.headers["webhook-timestamp"])).toBeCloseTo(Date.now() / 1000, -2);
    const verified = new Webhook(endpoint.secret).verify(request?.body ?? "", request?.headers ?? {});
    expect(verified).toEqual({ type: "link.created", timestamp: event.occurredAt, data: event.data });
    expect(() => new Webhook(`whsec_${btoa("another secret of enough length!")}`).verify(request?.body ?? "", request?.headers ?? {})).toThrow();
    const tampered = { ...request?.headers, "webhook-id": "evt_other" };
    expect(() => new Webhook(endpoint.secret).verify(request?.body ?? "", tampered)).toThrow();
    const delivery = await waitForDelivery(team, endpoint.id, (d) => d.status === "delivered");
    expect(delivery).toMatchObject({
      eventId: event.id,
      eventType: "link.created",
      status: "delivered",
      attempts: 1,
      responseStatus: 200,
      responseExcerpt: "thanks",
      lastError: null,
      nextAttemptAt: null,
    });
    expect(delivery.deliveredAt).not.toBeNull();
  });

  it("maps every link event type to its public name, and sends only the types an endpoint subscribed to", async () => {
    const team = teamId();
    const clicksOnly = await createEndpoint(team, "https://hooks.example.com/ok/clicks", ["link.clicked"]);
    const all = await createEndpoint(team, "https://hooks.example.com/ok/all-types");
    const events = [linkEvent(team, "LinkCreated.v1"), linkEvent(team, "LinkUpdated.v1"), linkEvent(team, "LinkDeleted.v1"), linkEvent(team, "LinkClicked.v1")];
    await publish(events);
    const got = await waitForReceived("/ok/all-types", 4);
    expect(got.map((r) => (JSON.parse(r.body) as { type: string }).type).sort()).toEqual(["link.clicked", "link.created", "link.deleted", "link.updated"]);
    const clicks = await waitForReceived("/ok/clicks", 1);
    expect(clicks.map((r) => r.headers["webhook-id"])).toEqual([events[3]?.id]);
    expect((await deliveriesOf(team, clicksOnly.id)).map((d) => d.eventType)).toEqual(["link.clicked"]);
    expect(await deliveriesOf(team, all.id)).toHaveLength(4);
  });

  it("link.created (LinkCreated v3) and link.updated (LinkUpdated v2) carry the link controls, never a password; the older versions still deliver", async () => {
    const team = teamId();
    await createEndpoint(team, "https://hooks.example.com/ok/controls", ["link.created", "link.updated"]);
    const events = [linkEvent(team, "LinkCreated.v3"), linkEvent(team, "LinkUpdated.v2"), linkEvent(team, "LinkCreated.v2"), linkEvent(team, "LinkUpdated.v1")];
    await publish(events);
    const got = await waitForReceived("/ok/controls", 4);
    const bodies = new Map(got.map((r) => [r.headers["webhook-id"], JSON.parse(r.body) as { type: string; data: Record<string, unknown> }]));
    const created = bodies.get(events[0]?.id);
    expect(created?.type).toBe("link.created");
    expect(created?.data["link"]).toMatchObject({
      passwordProtected: true,
      expiredUrl: "https://example.com/products/launch/ended",
      maxClicks: 500,
      utm: { source: "newsletter", medium: "email", campaign: "launch" },
    });
    const updated = bodies.get(events[1]?.id);
    expect(updated?.type).toBe("link.updated");
    expect(updated?.data).toMatchObject({ changed: ["slug", "password", "maxClicks"], previous: { slug: "launch", maxClicks: 500 } });
    expect(updated?.data["previous"]).not.toHaveProperty("password");
    for (const r of got) expect(r.body).not.toMatch(/"password(Hash)?"\s*:|pbkdf2/);
    expect(bodies.get(events[2]?.id)?.data["link"]).not.toHaveProperty("passwordProtected");
    expect(bodies.get(events[3]?.id)?.type).toBe("link.updated");
  });

  it("makes one delivery per endpoint however often the event arrives", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/dupes");
    const created = linkEvent(team);
    await publish([created, created]);
    await publish([created]);
    await waitForDelivery(team, endpoint.id, (d) => d.status === "delivered");
    expect(await deliveriesOf(team, endpoint.id)).toHaveLength(1);
    expect((await received("/ok/dupes")).filter((r) => r.headers["webhook-id"] === created.id)).toHaveLength(1);
  });

  it("sends one request for copies of the same delivery message", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/copies");
    const message = await insertDelivery(team, endpoint.id);
    const result = await deliverBatch(worker, env, "webhook-deliveries", [message, message, message]);
    // One attempts; the copies wait out its claim (and will then find the attempt made).
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages.map((m) => m.delaySeconds)).toHaveLength(2);
    expect(await received("/ok/copies")).toHaveLength(1);
    expect(await deliveryRow(endpoint.id, message.eventId)).toMatchObject({ status: "delivered", attempts: 1, leaseToken: null });
  });

  it("retries a failing endpoint with the same webhook-id until it answers 2xx, without resending to a healthy one", async () => {
    const team = teamId();
    const flaky = await createEndpoint(team, "https://hooks.example.com/flaky/a1/2");
    const healthy = await createEndpoint(team, "https://other.example.com/ok/healthy");
    const event = linkEvent(team);
    await publish([event]);
    const delivery = await waitForDelivery(team, flaky.id, (d) => d.status === "delivered");
    expect(delivery).toMatchObject({ attempts: 3, responseStatus: 200, responseExcerpt: "ok now", lastError: null });
    const attempts = await received("/flaky/a1/");
    expect(attempts.map((r) => r.headers["webhook-id"])).toEqual([event.id, event.id, event.id]);
    expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
    expect(await received("/ok/healthy")).toHaveLength(1);
    expect((await deliveriesOf(team, healthy.id))[0]).toMatchObject({ attempts: 1, status: "delivered" });
  });

  it("disables an endpoint that answers 410, records endpoint.disabled, and sends it nothing more", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/gone/1");
    await publish([linkEvent(team)]);
    await waitForDelivery(team, endpoint.id, (d) => d.status === "failed");
    const after = await webhooks.get({ teamId: team, endpointId: endpoint.id });
    expect(after.ok && after.value).toMatchObject({ enabled: false, disabledReason: "the endpoint answered 410 Gone" });
    expect(await endpointEvents(endpoint.id)).toEqual([{ type: "endpoint.disabled", reason: "the endpoint answered 410 Gone" }]);
    await publish([linkEvent(team)]);
    expect(await deliveriesOf(team, endpoint.id)).toHaveLength(1);
    expect(await received("/gone/1")).toHaveLength(1);
  });

  it("stores at most 1,024 bytes of a huge answer, without a broken character at the cut", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/huge/1");
    const message = await insertDelivery(team, endpoint.id);
    expect(await clockedAttempts().attempt(message, Date.now())).toEqual({ kind: "attempted", verdict: "delivered" });
    const { responseExcerpt } = await deliveryRow(endpoint.id, message.eventId);
    // 341 whole "€" (3 bytes each) fit in 1,024 bytes; the 342nd, cut, is left out.
    expect(responseExcerpt).toBe("€".repeat(341));
    expect(new TextEncoder().encode(responseExcerpt ?? "").byteLength).toBeLessThanOrEqual(1024);
  });

  it("fails a delivery whose message the queue dead-lettered, unless the message was an old copy", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/dead");
    const live = await insertDelivery(team, endpoint.id);
    const stale = await insertDelivery(team, endpoint.id);
    await deliverBatch(worker, env, "webhook-deliveries-dlq", [live, { ...stale, attempt: 3 }]);
    expect(await deliveryRow(endpoint.id, live.eventId)).toMatchObject({ status: "failed", lastError: "the delivery kept crashing" });
    expect(await deliveryRow(endpoint.id, stale.eventId)).toMatchObject({ status: "pending", lastError: null });
  });
});
