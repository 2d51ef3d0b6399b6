import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { clicksRecordedV1, type ClicksRecordedV1 } from "#events";
import { sampleEvents } from "#events/samples";
import { CLICK_TOPIC, SUBSCRIPTIONS } from "#contracts/fanout/subscriptions";
import { deliver, delivery, freshEvent, ledger, recorded, recordedNow } from "./helpers";

const CLICK_SUBSCRIBERS = ["analytics", "webhooks", "dashboard"];

/** A ClicksRecorded batch of `clicks` human clicks over two teams' links, with a fresh id. */
function freshBatch(clicks = 2): ClicksRecordedV1 {
  const sample = structuredClone(sampleEvents["ClicksRecorded.v1"]) as ClicksRecordedV1;
  const other = { linkId: "lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BD", teamId: "team_01JDQ8YX0Q4RZ8K2D5F7G9H1JM", slug: "other" };
  const batch: ClicksRecordedV1 = {
    ...sample,
    id: freshEvent("LinkDeleted.v1").id,
    teamId: "team_00000000000000000000000000",
    data: {
      ...sample.data,
      links: [...sample.data.links, other],
      clicks: Array.from({ length: clicks }, (_, i) => [
        i % 2,
        i % 851,
        i.toString(16).padStart(32, "a"),
        i % 3 ? "DE" : null,
        0,
        0,
        i.toString(16).padStart(32, "0"),
      ]),
      bots: [
        [0, 3, 1],
        [1, 2, 0],
      ],
    },
  };
  return clicksRecordedV1.parse(batch);
}

describe("the click topic (click-events)", () => {
  it("routes a ClicksRecorded batch to analytics, webhooks and dashboard only, one pending delivery each", async () => {
    expect(SUBSCRIPTIONS.filter((s) => (s.types as readonly string[]).includes("ClicksRecorded")).map((s) => s.subscriber)).toEqual(CLICK_SUBSCRIBERS);
    const batch = freshBatch(20);
    const result = await deliver(CLICK_TOPIC.queue, [batch]);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    for (const s of SUBSCRIPTIONS) {
      if (CLICK_SUBSCRIBERS.includes(s.subscriber)) {
        const [message] = await recorded(s.queue, batch.id);
        expect(message?.body).toEqual(batch);
        expect(await delivery(batch.id, s.subscriber)).toMatchObject({ status: "pending", attempts: 0 });
      } else {
        expect(await delivery(batch.id, s.subscriber), `ClicksRecorded ↛ ${s.subscriber}`).toBeNull();
      }
    }
    // qr and billing never get it (checked after the others arrived, so a stray copy would be there too).
    expect(await recordedNow("qr-events", batch.id)).toEqual([]);
    expect(await recordedNow("billing-events", batch.id)).toEqual([]);
  });

  it("keeps a summary of the batch in the ledger, not its clicks: a few hundred bytes for ~90 KB of clicks", async () => {
    const batch = freshBatch(1_000);
    expect(JSON.stringify(batch).length).toBeGreaterThan(80_000);
    await deliver(CLICK_TOPIC.queue, [batch]);
    const row = await env.LEDGER_DB.prepare("SELECT type, team_id, subject, length(envelope) AS bytes, envelope FROM ledger_events WHERE event_id = ?")
      .bind(batch.id)
      .first<{ type: string; team_id: string; subject: string; bytes: number; envelope: string }>();
    expect(row).toMatchObject({ type: "ClicksRecorded", team_id: batch.teamId, subject: "clicks" });
    expect(row?.bytes).toBeLessThan(600);
    expect(row?.envelope).not.toContain(batch.data.clicks[0]?.[2] ?? "no trace");
    const deliveries = await env.LEDGER_DB.prepare("SELECT count(*) AS n FROM deliveries WHERE event_id = ?").bind(batch.id).first<{ n: number }>();
    expect(deliveries?.n).toBe(3);

    const trace = await ledger.eventTrace({ eventId: batch.id });
    expect(trace.event).toEqual({
      id: batch.id,
      type: "ClicksRecorded",
      version: 1,
      occurredAt: batch.occurredAt,
      teamId: batch.teamId,
      subject: "clicks",
      traceId: batch.traceId,
      data: { summary: true, from: batch.data.from, to: batch.data.to, clicks: 1_000, bots: 5, heads: 1, links: 2, teams: 2, agents: 1, referrers: 1 },
    });
    expect(trace.deliveries.map((d) => d.subscriber)).toEqual(["analytics", "dashboard", "webhooks"]);
  });

  it("records a redelivered batch as one event and one delivery per subscriber, never moved back from delivered", async () => {
    const batch = freshBatch(10);
    await deliver(CLICK_TOPIC.queue, [batch]);
    await deliver("delivery-reports", [{ subscriber: "analytics", reports: [{ eventId: batch.id, status: "delivered", attempts: 1 }] }]);
    await deliver(CLICK_TOPIC.queue, [batch], 2);
    // The consumer's receipt (keyed by the batch id) skips the second copy and says so.
    await deliver("delivery-reports", [{ subscriber: "analytics", reports: [{ eventId: batch.id, status: "delivered", attempts: 1, duplicate: true }] }]);
    const events = await env.LEDGER_DB.prepare("SELECT count(*) AS n FROM ledger_events WHERE event_id = ?").bind(batch.id).first<{ n: number }>();
    expect(events?.n).toBe(1);
    const rows = await env.LEDGER_DB.prepare("SELECT subscriber, status, duplicates FROM deliveries WHERE event_id = ? ORDER BY subscriber")
      .bind(batch.id)
      .all();
    expect(rows.results).toEqual([
      { subscriber: "analytics", status: "delivered", duplicates: 1 },
      { subscriber: "dashboard", status: "pending", duplicates: 0 },
      { subscriber: "webhooks", status: "pending", duplicates: 0 },
    ]);
  });

  it("dead-letters an invalid batch at once (reason kept) and keeps fanning out the valid one beside it", async () => {
    const good = freshBatch(3);
    const bad = { ...freshBatch(3), id: freshEvent("LinkDeleted.v1").id };
    bad.data = { ...bad.data, clicks: [[7, 0, "a".repeat(32), null, -1, -1, "0".repeat(32)]] };
    const result = await deliver(CLICK_TOPIC.queue, [bad, good]);
    expect(result.explicitAcks).toHaveLength(2);
    await recorded("analytics-events", good.id);
    const letter = await env.LEDGER_DB.prepare("SELECT subscriber, reason FROM dead_letters WHERE event_id = ?")
      .bind(bad.id)
      .first<{ subscriber: string; reason: string }>();
    expect(letter?.subscriber).toBe("fanout");
    expect(letter?.reason).toMatch(/link index out of range/);
  });

  it("takes in its dead-letter queue as the fan-out's dead letters", async () => {
    const batch = freshBatch(2);
    const result = await deliver("click-events-dlq", [batch], 11);
    expect(result.explicitAcks).toHaveLength(1);
    const letter = await env.LEDGER_DB.prepare("SELECT subscriber, reason FROM dead_letters WHERE event_id = ?").bind(batch.id).first();
    expect(letter).toEqual({ subscriber: "fanout", reason: "retries exhausted" });
  });
});
