import { createScheduledController, env } from "cloudflare:test";
import { ulid } from "ulid";
import { describe, expect, it } from "vitest";
import type { LinkEvent } from "#events";
import { sampleEvents } from "#events/samples";
import worker from "../src/index";
import { openDeliveriesStatement, recordEventsStatement, reportDeliveriesStatement } from "../src/ledger-store";
import { ledgerRetentionDaysOf, pruneLedger } from "../src/prune-ledger";
import { LEDGER_MIN_RETENTION_DAYS } from "#contracts/fanout/ledger-rpc";
import { SUBSCRIPTIONS } from "#contracts/fanout/subscriptions";
import { deliver, ledger } from "./helpers";

const DAY = 24 * 3_600_000;
const db = env.LEDGER_DB;
const CREATED_BY = SUBSCRIPTIONS.filter((s) => (s.types as readonly string[]).includes("LinkCreated")).map((s) => s.subscriber);

const createdAt = (at: number): LinkEvent => ({ ...structuredClone(sampleEvents["LinkCreated.v2"]), id: `evt_${ulid(at)}` }) as LinkEvent;

async function report(event: LinkEvent, subscribers: readonly string[], status: "delivered" | "retrying" = "delivered"): Promise<void> {
  for (const subscriber of subscribers) await deliver("delivery-reports", [{ subscriber, reports: [{ eventId: event.id, status, attempts: 1 }] }]);
}

async function rowsOf(eventId: string): Promise<{ event: boolean; deliveries: string[] }> {
  const event = await db.prepare("SELECT 1 AS x FROM ledger_events WHERE event_id = ?").bind(eventId).first();
  const { results } = await db
    .prepare("SELECT subscriber || ':' || status AS s FROM deliveries WHERE event_id = ? ORDER BY subscriber")
    .bind(eventId)
    .all<{ s: string }>();
  return { event: event !== null, deliveries: results.map((r) => r.s) };
}

describe("ledger retention (the hourly cron)", () => {
  it("deletes old events delivered everywhere with their deliveries; keeps pending, retrying and dead ones whole, unredriven dead letters, and anything newer", async () => {
    const later = Date.now() + 31 * DAY;
    const done = createdAt(Date.now());
    const pending = createdAt(Date.now());
    const retrying = createdAt(Date.now());
    const dead = createdAt(Date.now());
    const redriven = createdAt(Date.now());
    const recent = createdAt(later - 29 * DAY);
    await deliver("link-events", [done, pending, retrying, dead, redriven, recent]);
    for (const event of [done, recent]) await report(event, CREATED_BY);
    await report(pending, CREATED_BY.slice(1));
    await report(retrying, CREATED_BY.slice(1));
    await report(retrying, CREATED_BY.slice(0, 1), "retrying");
    await report(
      dead,
      CREATED_BY.filter((s) => s !== "billing"),
    );
    await deliver("billing-events-dlq", [dead]);
    await report(
      redriven,
      CREATED_BY.filter((s) => s !== "qr"),
    );
    await deliver("qr-events-dlq", [redriven]);
    const letters = (await ledger.deadLetters({})).data;
    const redrivenLetter = letters.find((l) => l.eventId === redriven.id);
    expect(await ledger.redrive({ subscriber: "qr", ids: [redrivenLetter?.id ?? ""] })).toEqual({ redriven: 1, skipped: 0 });
    await report(redriven, ["qr"]);

    await worker.scheduled(createScheduledController({ scheduledTime: later, cron: "37 * * * *" }), env);

    expect(await rowsOf(done.id)).toEqual({ event: false, deliveries: [] });
    expect(await rowsOf(redriven.id)).toEqual({ event: false, deliveries: [] });
    expect(await rowsOf(recent.id)).toEqual({ event: true, deliveries: CREATED_BY.map((s) => `${s}:delivered`).sort() });
    expect(await rowsOf(pending.id)).toMatchObject({ event: true, deliveries: expect.arrayContaining([`${CREATED_BY[0]}:pending`]) });
    expect((await rowsOf(pending.id)).deliveries).toHaveLength(CREATED_BY.length);
    expect((await rowsOf(retrying.id)).deliveries).toContain(`${CREATED_BY[0]}:retrying`);
    expect((await rowsOf(dead.id)).deliveries).toContain("billing:dead");
    const left = (await ledger.deadLetters({})).data.map((l) => l.eventId);
    expect(left).toContain(dead.id);
    expect(left).not.toContain(redriven.id);
    // An event that is kept still traces in full.
    expect((await ledger.eventTrace({ eventId: dead.id })).event?.id).toBe(dead.id);
  });

  it("deletes at most chunk × maxChunks rows a run, oldest first, and converges over runs", async () => {
    const now = Date.now() + 1_000 * DAY;
    const stamp = new Date(now - 40 * DAY).toISOString();
    const events = Array.from({ length: 25 }, (_, i) => createdAt(now - (60 - i) * DAY));
    const pairs = events.flatMap((e) => CREATED_BY.map((subscriber) => ({ eventId: e.id, subscriber })));
    await db.batch([
      recordEventsStatement(db, events, stamp),
      openDeliveriesStatement(db, pairs, stamp),
      reportDeliveriesStatement(
        db,
        pairs.map((p) => ({ ...p, status: "delivered" as const, attempts: 1 })),
        stamp,
      ),
    ]);
    const limits = { chunk: 10, maxChunks: 2 };
    const runs: number[] = [];
    for (let run = 0; run < 30; run++) {
      const removed = await pruneLedger(db, new Date(now), 30, limits);
      expect(removed.events).toBeLessThanOrEqual(20);
      expect(removed.deliveries).toBeLessThanOrEqual(20);
      runs.push(removed.events + removed.deliveries + removed.deadLetters);
      if (runs.at(-1) === 0) break;
    }
    expect(runs.length).toBeGreaterThan(2);
    for (const event of events) expect(await rowsOf(event.id)).toEqual({ event: false, deliveries: [] });
  });

  it("stops the ledger growing: 20 events a day to every subscriber for 90 days, pruned daily, never hold more than the window's worth", async () => {
    const start = Date.now() + 2_000 * DAY;
    const sizes: { events: number; deliveries: number }[] = [];
    const stuck = createdAt(start);
    for (let day = 0; day < 90; day++) {
      const today = start + day * DAY;
      const stamp = new Date(today).toISOString();
      const events = day === 0 ? [stuck, ...Array.from({ length: 19 }, () => createdAt(today))] : Array.from({ length: 20 }, () => createdAt(today));
      const pairs = events.flatMap((e) => CREATED_BY.map((subscriber) => ({ eventId: e.id, subscriber })));
      const delivered = pairs.filter((p) => !(p.eventId === stuck.id && p.subscriber === "billing"));
      await db.batch([
        recordEventsStatement(db, events, stamp),
        openDeliveriesStatement(db, pairs, stamp),
        reportDeliveriesStatement(
          db,
          delivered.map((p) => ({ ...p, status: "delivered" as const, attempts: 1 })),
          stamp,
        ),
      ]);
      await pruneLedger(db, new Date(today + DAY / 2), 30);
      const counts = await db
        .prepare(
          "SELECT (SELECT count(*) FROM ledger_events WHERE event_id >= ?1) AS events, (SELECT count(*) FROM deliveries WHERE event_id >= ?1) AS deliveries",
        )
        .bind(`evt_${ulid(start).slice(0, 10)}`)
        .first<{ events: number; deliveries: number }>();
      sizes.push({ events: counts?.events ?? -1, deliveries: counts?.deliveries ?? -1 });
    }
    // 30 days of 20 events, plus the one still waiting for billing (kept whole however old).
    const window = { events: 20 * 30 + 1, deliveries: 20 * 30 * CREATED_BY.length + CREATED_BY.length };
    expect(sizes.slice(40).every((s) => s.events === window.events && s.deliveries === window.deliveries)).toBe(true);
    expect(Math.max(...sizes.map((s) => s.events))).toBe(window.events);
    expect((await rowsOf(stuck.id)).deliveries).toContain("billing:pending");
  });

  it("reads LEDGER_RETENTION_DAYS: 30 days by default, whole days only, never below the click spool's longest age", () => {
    expect(ledgerRetentionDaysOf({})).toBe(30);
    expect(ledgerRetentionDaysOf({ LEDGER_RETENTION_DAYS: "90" })).toBe(90);
    expect(() => ledgerRetentionDaysOf({ LEDGER_RETENTION_DAYS: "0" })).toThrow(/LEDGER_RETENTION_DAYS/);
    expect(ledgerRetentionDaysOf({ LEDGER_RETENTION_DAYS: String(LEDGER_MIN_RETENTION_DAYS) })).toBe(LEDGER_MIN_RETENTION_DAYS);
    expect(() => ledgerRetentionDaysOf({ LEDGER_RETENTION_DAYS: String(LEDGER_MIN_RETENTION_DAYS - 1) })).toThrow(/LEDGER_RETENTION_DAYS/);
  });
});
