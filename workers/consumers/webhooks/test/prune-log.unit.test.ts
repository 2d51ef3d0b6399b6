import { createScheduledController, env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { webhookDeliveries, webhookDeliveryAttempts } from "#db/webhooks";
import { newId } from "../../../shared/ids";
import worker from "../src/index";

const NOW = Date.parse("2027-03-01T00:00:00.000Z");
const DAY = 24 * 3_600_000;

async function delivery(ageDays: number, status: "pending" | "retrying" | "delivered" | "failed"): Promise<string> {
  const id = newId("dlv", NOW - ageDays * DAY);
  const at = new Date(NOW - ageDays * DAY).toISOString();
  await drizzle(env.WEBHOOKS_DB)
    .insert(webhookDeliveries)
    .values({
      id,
      endpointId: "whk_prune",
      teamId: "team_prune",
      eventId: `evt_${id}`,
      eventType: "link.clicked",
      payload: "{}",
      status,
      attempts: 1,
      createdAt: at,
    });
  await drizzle(env.WEBHOOKS_DB)
    .insert(webhookDeliveryAttempts)
    .values({ id: newId("att", NOW - ageDays * DAY), deliveryId: id, endpointId: "whk_prune", attempt: 1, attemptedAt: at, responseStatus: 500, error: "x" });
  return id;
}

describe("delivery log retention (the hourly cron)", () => {
  // Attempts go by their own age: those of a delivery still retrying after 30 days go too.
  it("deletes finished deliveries and attempts older than 30 days, and keeps the rest", async () => {
    const oldDelivered = await delivery(31, "delivered");
    const oldFailed = await delivery(45, "failed");
    const oldRetrying = await delivery(31, "retrying");
    const recent = await delivery(29, "delivered");

    await worker.scheduled(createScheduledController({ scheduledTime: NOW, cron: "17 * * * *" }), env);

    const kept = await drizzle(env.WEBHOOKS_DB).select({ id: webhookDeliveries.id }).from(webhookDeliveries).all();
    expect(kept.map((d) => d.id).sort()).toEqual([oldRetrying, recent].sort());
    expect(kept.map((d) => d.id)).not.toContain(oldDelivered);
    expect(kept.map((d) => d.id)).not.toContain(oldFailed);
    const attempts = await drizzle(env.WEBHOOKS_DB).select({ deliveryId: webhookDeliveryAttempts.deliveryId }).from(webhookDeliveryAttempts).all();
    expect(attempts.map((a) => a.deliveryId)).toEqual([recent]);
  });
});

describe("receipt retention (the same cron)", () => {
  it("deletes receipts processed more than 7 days before the run, of old and new events alike, and keeps the rest", async () => {
    const receipt = (eventId: string, ageDays: number) =>
      env.WEBHOOKS_DB.prepare("INSERT INTO consumer_receipts (consumer, event_id, processed_at) VALUES ('webhooks', ?1, ?2)").bind(
        eventId,
        new Date(NOW - ageDays * DAY).toISOString(),
      );
    await env.WEBHOOKS_DB.batch([
      receipt(newId("evt", NOW - 8 * DAY), 8),
      receipt(newId("evt", NOW - 40 * DAY), 7.5),
      receipt(newId("evt", NOW - 40 * DAY), 6),
      receipt(newId("evt", NOW), 0),
    ]);

    await worker.scheduled(createScheduledController({ scheduledTime: NOW, cron: "17 * * * *" }), env);

    const { results } = await env.WEBHOOKS_DB.prepare("SELECT processed_at FROM consumer_receipts ORDER BY processed_at").all<{ processed_at: string }>();
    expect(results.map((r) => (NOW - Date.parse(r.processed_at)) / DAY)).toEqual([6, 0]);
  });
});
