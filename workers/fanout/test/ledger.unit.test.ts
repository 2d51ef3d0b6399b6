import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { invalidInputAt, refusalOf } from "../../../test/support/rpc-answers";
import { deliver, delivery, freshEvent, ledger, ledgerRpc, recorded, recordedNow } from "./helpers";

describe("delivery reports", () => {
  it("moves a delivery forward only: late or duplicate reports never downgrade it", async () => {
    const event = freshEvent("LinkCreated.v2");
    await deliver("link-events", [event]);
    await deliver("delivery-reports", [
      { subscriber: "webhooks", reports: [{ eventId: event.id, status: "retrying", attempts: 1, error: "endpoint answered 503" }] },
    ]);
    expect(await delivery(event.id, "webhooks")).toMatchObject({ status: "retrying", attempts: 1, last_error: "endpoint answered 503", processed_at: null });

    await deliver("delivery-reports", [{ subscriber: "webhooks", reports: [{ eventId: event.id, status: "delivered", attempts: 3 }] }]);
    // A report of attempt 2 arriving after attempt 3 succeeded.
    await deliver("delivery-reports", [{ subscriber: "webhooks", reports: [{ eventId: event.id, status: "retrying", attempts: 2, error: "late" }] }]);
    const row = await delivery(event.id, "webhooks");
    expect(row?.status).toBe("delivered");
    expect(row?.attempts).toBe(3);
    expect(row?.processed_at).not.toBeNull();
  });

  it("counts the duplicates a subscriber skipped (replays, redeliveries) without touching its status", async () => {
    const event = freshEvent("LinkCreated.v2");
    await deliver("link-events", [event]);
    await deliver("delivery-reports", [{ subscriber: "billing", reports: [{ eventId: event.id, status: "delivered", attempts: 1 }] }]);
    const duplicate = { subscriber: "billing", reports: [{ eventId: event.id, status: "delivered", attempts: 1, duplicate: true }] };
    await deliver("delivery-reports", [duplicate, duplicate]);
    const trace = await ledger.eventTrace({ eventId: event.id });
    expect(trace.deliveries.find((d) => d.subscriber === "billing")).toMatchObject({ status: "delivered", attempts: 1, duplicates: 2 });
  });

  it("keeps what a consumer could not parse as a dead letter with its reason", async () => {
    await deliver("delivery-reports", [{ subscriber: "qr", reports: [], invalid: [{ body: '{"id":"x"}', reason: "invalid envelope: id: bad", attempts: 1 }] }]);
    const row = await env.LEDGER_DB.prepare("SELECT subscriber, reason FROM dead_letters WHERE body = ?").bind('{"id":"x"}').first();
    expect(row).toEqual({ subscriber: "qr", reason: "invalid envelope: id: bad" });
  });

  it("answers a malformed report by keeping it, not by retrying forever", async () => {
    const result = await deliver("delivery-reports", [{ subscriber: "nobody", reports: "no" }]);
    expect(result.retryMessages).toEqual([]);
    const row = await env.LEDGER_DB.prepare("SELECT reason FROM dead_letters WHERE subscriber = 'delivery-reports'").first<{ reason: string }>();
    expect(row?.reason).toMatch(/^invalid report/);
  });
});

describe("dead-letter queues", () => {
  it("marks the delivery dead, keeps the last error, and redrive sends it back to the subscriber", async () => {
    const event = freshEvent("LinkClicked.v1");
    await deliver("link-events", [event]);
    await deliver("delivery-reports", [
      { subscriber: "analytics", reports: [{ eventId: event.id, status: "retrying", attempts: 4, error: "D1 unavailable" }] },
    ]);
    await deliver("analytics-events-dlq", [event]);
    expect(await delivery(event.id, "analytics")).toMatchObject({ status: "dead", attempts: 4, last_error: "D1 unavailable" });

    const page = await ledger.deadLetters({ subscriber: "analytics" });
    const letter = page.data.find((l) => l.eventId === event.id);
    expect(letter).toMatchObject({ subscriber: "analytics", reason: "retries exhausted", lastError: "D1 unavailable", redrivenAt: null });
    expect(JSON.parse(letter?.body ?? "null")).toEqual(event);

    const before = (await recordedNow("analytics-events", event.id)).length;
    const result = await ledger.redrive({ subscriber: "analytics", ids: [letter?.id ?? ""] });
    expect(result).toEqual({ redriven: 1, skipped: 0 });
    await recorded("analytics-events", event.id, before + 1);
    expect(await delivery(event.id, "analytics")).toMatchObject({ status: "pending" });
    // A second redrive of the same letter does nothing.
    expect(await ledger.redrive({ subscriber: "analytics", ids: [letter?.id ?? ""] })).toEqual({ redriven: 0, skipped: 0 });
  });
});

describe("Ledger RPC", () => {
  it("traces an event only for its own team", async () => {
    const event = freshEvent("LinkCreated.v2");
    await deliver("link-events", [event]);
    const own = await ledger.eventTrace({ eventId: event.id, teamId: event.teamId });
    expect(own.event?.id).toBe(event.id);
    expect(own.deliveries.map((d) => d.subscriber)).toEqual(["analytics", "billing", "dashboard", "preview", "qr", "redirects", "webhooks"]);
    const other = await ledger.eventTrace({ eventId: event.id, teamId: "team_01JDQ8YX0Q4RZ8K2D5F7G9H1ZZ" });
    expect(other).toEqual({ event: null, deliveries: [] });
  });

  it("replays to one subscriber only the event types it subscribes to", async () => {
    const created = freshEvent("LinkCreated.v2");
    const clicked = freshEvent("LinkClicked.v1");
    const result = await ledger.replay({ subscriber: "billing", events: [created, clicked, { not: "an event" }] });
    expect(result).toEqual({ queued: 1 });
    await recorded("billing-events", created.id);
    expect(await recordedNow("billing-events", clicked.id)).toEqual([]);
    expect(await delivery(created.id, "billing")).toMatchObject({ status: "pending" });
  });

  it("answers the reconciler which expected subscribers lack an event (missing) or hold it pending too long, never dead or retrying", async () => {
    const created = freshEvent("LinkCreated.v2");
    const updated = freshEvent("LinkUpdated.v1");
    const now = new Date().toISOString();
    const old = new Date(Date.now() - 3_600_000).toISOString();
    const rows: [string, string, string, string][] = [
      [created.id, "analytics", "delivered", old],
      [created.id, "qr", "dead", old],
      [created.id, "billing", "retrying", old],
      [created.id, "webhooks", "pending", old],
      [created.id, "dashboard", "pending", now],
      [created.id, "preview", "delivered", old],
      [created.id, "redirects", "delivered", old],
      [updated.id, "qr", "pending", old],
    ];
    for (const [eventId, subscriber, status, at] of rows) {
      await env.LEDGER_DB.prepare("INSERT INTO deliveries (event_id, subscriber, status, attempts, updated_at) VALUES (?, ?, ?, 0, ?)")
        .bind(eventId, subscriber, status, at)
        .run();
    }
    const pendingBefore = new Date(Date.now() - 600_000).toISOString();
    const answer = await ledger.unfinished({
      events: [
        { id: created.id, type: created.type },
        { id: updated.id, type: updated.type },
        // No subscriber expects an audit event.
        { id: "evt_01JDQ8YX0Q4RZ8K2D5F7G9H1AA", type: "TeamCreated" },
      ],
      pendingBefore,
    });
    expect(answer.unfinished).toEqual([
      { eventId: created.id, subscriber: "webhooks", reason: "stale_pending" },
      { eventId: updated.id, subscriber: "qr", reason: "stale_pending" },
      { eventId: updated.id, subscriber: "webhooks", reason: "missing" },
      { eventId: updated.id, subscriber: "dashboard", reason: "missing" },
      { eventId: updated.id, subscriber: "preview", reason: "missing" },
      { eventId: updated.id, subscriber: "redirects", reason: "missing" },
    ]);
    // A replay restarts a pending delivery's age: the reconciler sends it again only after another stale period.
    await ledger.replay({ subscriber: "webhooks", events: [created] });
    const again = await ledger.unfinished({ events: [{ id: created.id, type: created.type }], pendingBefore });
    expect(again.unfinished).toEqual([]);
    expect(await ledger.unfinished({ events: [], pendingBefore })).toEqual({ unfinished: [] });
  });

  it("replays a ClicksRecorded batch whole to the subscribers of clicks, keeping only its summary", async () => {
    const batch = freshEvent("ClicksRecorded.v1");
    const toAnalytics = await ledger.replay({ subscriber: "analytics", events: [batch] });
    expect(toAnalytics).toEqual({ queued: 1 });
    const [copy] = await recorded("analytics-events", batch.id);
    expect(copy?.body).toEqual(batch);
    // qr and billing take no clicks: nothing is queued or opened for them.
    expect(await ledger.replay({ subscriber: "qr", events: [batch] })).toEqual({ queued: 0 });
    expect(await delivery(batch.id, "analytics")).toMatchObject({ status: "pending" });
    expect(await delivery(batch.id, "qr")).toBeNull();
    const trace = await ledger.eventTrace({ eventId: batch.id });
    expect(trace.event).toMatchObject({ id: batch.id, type: "ClicksRecorded", data: { summary: true } });
    expect(trace.deliveries.map((d) => [d.subscriber, d.status])).toEqual([["analytics", "pending"]]);
  });

  it("answers in-flight pairs (fresh pending, retrying) only when asked, as `in_flight`", async () => {
    const batch = freshEvent("ClicksRecorded.v1");
    const now = new Date().toISOString();
    const old = new Date(Date.now() - 3_600_000).toISOString();
    for (const [subscriber, status, at] of [
      ["analytics", "pending", now],
      ["webhooks", "retrying", old],
      ["dashboard", "pending", old],
    ] as const) {
      await env.LEDGER_DB.prepare("INSERT INTO deliveries (event_id, subscriber, status, attempts, updated_at) VALUES (?, ?, ?, 0, ?)")
        .bind(batch.id, subscriber, status, at)
        .run();
    }
    const pendingBefore = new Date(Date.now() - 600_000).toISOString();
    const events = [{ id: batch.id, type: batch.type }];
    expect((await ledger.unfinished({ events, pendingBefore })).unfinished).toEqual([{ eventId: batch.id, subscriber: "dashboard", reason: "stale_pending" }]);
    expect((await ledger.unfinished({ events, pendingBefore, includeInFlight: true })).unfinished).toEqual([
      { eventId: batch.id, subscriber: "analytics", reason: "in_flight" },
      { eventId: batch.id, subscriber: "webhooks", reason: "in_flight" },
      { eventId: batch.id, subscriber: "dashboard", reason: "stale_pending" },
    ]);
    // Delivered and dead are settled: nothing is left of a batch that has only those.
    await env.LEDGER_DB.prepare("UPDATE deliveries SET status = CASE subscriber WHEN 'webhooks' THEN 'dead' ELSE 'delivered' END WHERE event_id = ?")
      .bind(batch.id)
      .run();
    expect((await ledger.unfinished({ events, pendingBefore, includeInFlight: true })).unfinished).toEqual([]);
  });

  it("refuses input that does not parse", async () => {
    expect(refusalOf(await ledgerRpc.replay({ subscriber: "nobody", events: [] }))).toMatchObject(invalidInputAt("subscriber"));
    expect(refusalOf(await ledgerRpc.eventTrace({ eventId: "evt_nope" }))).toMatchObject(invalidInputAt("eventId"));
    expect(refusalOf(await ledgerRpc.unfinished({ events: [{ id: "evt_nope", type: "LinkCreated" }], pendingBefore: new Date().toISOString() }))).toMatchObject(
      invalidInputAt("events.0.id"),
    );
    expect(refusalOf(await ledgerRpc.unfinished({ events: [], pendingBefore: "yesterday" }))).toMatchObject(invalidInputAt("pendingBefore"));
  });
});
