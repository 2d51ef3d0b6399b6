import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { USER_AGENT } from "../src/deliver";
import { createEndpoint, deliveriesOf, linkEvent, publish, received, teamId, waitForDelivery, waitForReceived, webhooks } from "./helpers";

describe("webhook delivery", () => {
  it("sends a created link signed so the official Standard Webhooks verifier accepts it", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/sign");
    const event = linkEvent(team);
    await publish([event]);
    const [request] = await waitForReceived("/ok/sign", 1);
    expect(request?.headers).toMatchObject({ "webhook-id": event.id, "content-type": "application/json", "user-agent": USER_AGENT });
    const verified = new Webhook(endpoint.secret).verify(request?.body ?? "", request?.headers ?? {});
    expect(verified).toEqual({ type: "link.created", timestamp: event.occurredAt, data: event.data });
    expect(() => new Webhook(`whsec_${btoa("another secret of enough length!")}`).verify(request?.body ?? "", request?.headers ?? {})).toThrow();
    const [delivery] = await deliveriesOf(team, endpoint.id);
    expect(delivery).toMatchObject({ eventId: event.id, eventType: "link.created", status: "delivered", attempts: 1, responseStatus: 200, responseExcerpt: "thanks", lastError: null });
  });

  it("only sends the event types an endpoint subscribed to, and one delivery per endpoint however often the event arrives", async () => {
    const team = teamId();
    const clicksOnly = await createEndpoint(team, "https://hooks.example.com/ok/clicks", ["link.clicked"]);
    const all = await createEndpoint(team, "https://hooks.example.com/ok/all");
    const created = linkEvent(team);
    await publish([created, created]);
    await publish([created]);
    await waitForDelivery(team, all.id, (d) => d.status === "delivered");
    expect(await deliveriesOf(team, all.id)).toHaveLength(1);
    expect(await deliveriesOf(team, clicksOnly.id)).toEqual([]);
    expect((await received("/ok/all")).filter((r) => r.headers["webhook-id"] === created.id)).toHaveLength(1);
  });

  it("retries a failing endpoint with the same webhook-id until it answers 2xx, without resending to a healthy one", async () => {
    const team = teamId();
    const flaky = await createEndpoint(team, "https://hooks.example.com/flaky/a1/2");
    const healthy = await createEndpoint(team, "https://other.example.com/ok/healthy");
    const event = linkEvent(team);
    await publish([event]);
    const delivery = await waitForDelivery(team, flaky.id, (d) => d.status === "delivered");
    expect(delivery).toMatchObject({ attempts: 3, responseStatus: 200, responseExcerpt: "ok now" });
    const attempts = await received("/flaky/a1/");
    expect(attempts.map((r) => r.headers["webhook-id"])).toEqual([event.id, event.id, event.id]);
    expect(await received("/ok/healthy")).toHaveLength(1);
    expect((await deliveriesOf(team, healthy.id))[0]).toMatchObject({ attempts: 1, status: "delivered" });
  });

  it("honours Retry-After and keeps the response excerpt, status and next attempt time", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/slow-retry/x");
    const before = Date.now();
    await publish([linkEvent(team)]);
    const delivery = await waitForDelivery(team, endpoint.id, (d) => d.status === "retrying");
    expect(delivery).toMatchObject({ attempts: 1, responseStatus: 503, responseExcerpt: "busy", lastError: "the endpoint answered 503" });
    const wait = Date.parse(delivery.nextAttemptAt ?? "") - before;
    expect(wait).toBeGreaterThanOrEqual(115_000);
    expect(wait).toBeLessThanOrEqual(125_000 + (Date.now() - before));
  });

  it("disables an endpoint that answers 410 and records endpoint.disabled", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/gone/1");
    await publish([linkEvent(team)]);
    await waitForDelivery(team, endpoint.id, (d) => d.status === "failed");
    const after = await webhooks.get({ teamId: team, endpointId: endpoint.id });
    expect(after.ok && after.value).toMatchObject({ enabled: false, disabledReason: "the endpoint answered 410 Gone" });
    const log = await env.WEBHOOKS_DB.prepare("SELECT type, reason FROM webhook_endpoint_events WHERE endpoint_id = ?").bind(endpoint.id).all();
    expect(log.results).toEqual([{ type: "endpoint.disabled", reason: "the endpoint answered 410 Gone" }]);
  });

  it("disables an endpoint after a run of consecutive failures (4 in this test config)", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/fail/run");
    for (let i = 0; i < 4; i++) await publish([linkEvent(team)]);
    const after = await (async () => {
      for (;;) {
        const result = await webhooks.get({ teamId: team, endpointId: endpoint.id });
        if (result.ok && !result.value.enabled) return result.value;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    expect(after.disabledReason).toMatch(/^4 failed attempts in a row; last: the endpoint answered 500/);
    const excerpt = (await deliveriesOf(team, endpoint.id))[0]?.responseExcerpt ?? "";
    expect(excerpt.length).toBe(1024);
    const events = await env.WEBHOOKS_DB.prepare("SELECT count(*) AS n FROM webhook_endpoint_events WHERE endpoint_id = ? AND type = 'endpoint.disabled'").bind(endpoint.id).first<{ n: number }>();
    expect(events?.n).toBe(1);
  });
});
