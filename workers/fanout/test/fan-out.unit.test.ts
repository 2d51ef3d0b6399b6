import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SUBSCRIPTIONS } from "#contracts/fanout/subscriptions";
import { auditSampleEvents } from "#events/samples";
import { deliver, delivery, freshEvent, recorded, recordedNow } from "./helpers";

describe("fan-out of the link-events topic", () => {
  it("re-publishes each event to exactly the subscribers of its type and opens a pending delivery for each", async () => {
    const events = [
      freshEvent("LinkCreated.v1"),
      freshEvent("LinkCreated.v2"),
      freshEvent("LinkUpdated.v1"),
      freshEvent("LinkDeleted.v1"),
      freshEvent("LinkClicked.v1"),
    ];
    const result = await deliver("link-events", events);
    expect(result.explicitAcks.length).toBe(events.length);
    expect(result.retryMessages).toEqual([]);

    for (const event of events) {
      for (const s of SUBSCRIPTIONS) {
        const subscribed = (s.types as readonly string[]).includes(event.type);
        const row = await delivery(event.id, s.subscriber);
        if (subscribed) {
          expect(row, `${event.type} → ${s.subscriber}`).toMatchObject({ status: "pending", attempts: 0 });
          const [message] = await recorded(s.queue, event.id);
          expect(message?.body).toEqual(event);
        } else {
          expect(row, `${event.type} ↛ ${s.subscriber}`).toBeNull();
        }
      }
      const logged = await env.LEDGER_DB.prepare("SELECT type, trace_id FROM ledger_events WHERE event_id = ?").bind(event.id).first();
      expect(logged).toEqual({ type: event.type, trace_id: event.traceId });
    }
  });

  it("dead-letters an invalid envelope with its reason at once and still fans out the rest of the batch", async () => {
    const good = freshEvent("LinkCreated.v2");
    const bad = { ...freshEvent("LinkDeleted.v1"), version: 9 };
    const garbage = "not an envelope";
    const result = await deliver("link-events", [bad, good, garbage]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks.length).toBe(3);

    await recorded("analytics-events", good.id);
    const letters = await env.LEDGER_DB.prepare("SELECT event_id, reason, body FROM dead_letters WHERE subscriber = 'fanout' AND (event_id = ? OR body = ?)")
      .bind(bad.id, JSON.stringify(garbage))
      .all<{ event_id: string | null; reason: string; body: string }>();
    expect(letters.results).toHaveLength(2);
    const forBad = letters.results.find((l) => l.event_id === bad.id);
    expect(forBad?.reason).toMatch(/^invalid envelope: /);
    expect(JSON.parse(forBad?.body ?? "null")).toEqual(bad);
    expect(await delivery(bad.id, "analytics")).toBeNull();
  });

  it("records an event seen twice once in the ledger, and never moves a delivered subscriber back to pending", async () => {
    const event = freshEvent("LinkCreated.v2");
    await deliver("link-events", [event]);
    await deliver("delivery-reports", [{ subscriber: "billing", reports: [{ eventId: event.id, status: "delivered", attempts: 1 }] }]);
    await deliver("link-events", [event], 2);
    const count = await env.LEDGER_DB.prepare("SELECT count(*) AS n FROM ledger_events WHERE event_id = ?").bind(event.id).first<{ n: number }>();
    expect(count?.n).toBe(1);
    expect(await delivery(event.id, "billing")).toMatchObject({ status: "delivered" });
    expect(await delivery(event.id, "analytics")).toMatchObject({ status: "pending" });
  });

  it("records audit events (TeamCreated, ApiKey*, ReplayStarted, RedriveStarted) in the ledger and sends them to no subscriber", async () => {
    const audit = Object.values(auditSampleEvents).map((sample) => ({ ...structuredClone(sample), id: freshEvent("LinkDeleted.v1").id }));
    const control = freshEvent("LinkCreated.v2");
    const result = await deliver("link-events", [...audit, control]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks.length).toBe(audit.length + 1);

    // Every subscriber queue got the control event of the same batch, and none of the audit events.
    for (const s of SUBSCRIPTIONS) if ((s.types as readonly string[]).includes("LinkCreated")) await recorded(s.queue, control.id);
    for (const event of audit) {
      for (const s of SUBSCRIPTIONS) {
        expect(await delivery(event.id, s.subscriber), `${event.type} ↛ ${s.subscriber}`).toBeNull();
        expect(await recordedNow(s.queue, event.id)).toEqual([]);
      }
      const logged = await env.LEDGER_DB.prepare("SELECT type, team_id FROM ledger_events WHERE event_id = ?").bind(event.id).first();
      expect(logged).toEqual({ type: event.type, team_id: event.teamId });
      const letters = await env.LEDGER_DB.prepare("SELECT count(*) AS n FROM dead_letters WHERE event_id = ?").bind(event.id).first<{ n: number }>();
      expect(letters?.n).toBe(0);
    }
  });
});
