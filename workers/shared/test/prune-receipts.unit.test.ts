import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ulid } from "ulid";
import { processedEventIds, receiptStatement } from "../consumer/receipts";
import { pruneReceipts, receiptsRetentionDaysOf } from "../consumer/prune-receipts";
import { DAY_MS } from "../retention/prune-in-chunks";

const db = env.TOOLKIT_DB;
const NOW = new Date("2027-03-01T12:00:00.000Z");

const ago = (days: number) => new Date(NOW.getTime() - days * DAY_MS);
const eventIds = (n: number, at: Date) => Array.from({ length: n }, () => `evt_${ulid(at.getTime())}`);

/** Receipts as the toolkit writes them (its own statement), processed at `at`. */
async function receipts(consumer: string, ids: string[], at: Date): Promise<void> {
  await db.batch([receiptStatement(db, consumer, ids, at.toISOString())]);
}

async function count(consumer: string): Promise<number> {
  const row = await db.prepare("SELECT count(*) AS n FROM consumer_receipts WHERE consumer = ?").bind(consumer).first<{ n: number }>();
  return row?.n ?? 0;
}

describe("receipt retention", () => {
  it("deletes receipts processed before the window, of every consumer in the database, and keeps the rest", async () => {
    const old = eventIds(3, ago(8));
    const edge = eventIds(2, ago(6.9));
    const fresh = eventIds(2, ago(0));
    await receipts("billing", [...old, ...edge, ...fresh], ago(8));
    // An old event processed recently (a replay, a late redelivery) is judged by when it was processed.
    const replayed = eventIds(1, ago(40));
    await receipts("webhooks", old, ago(30));
    await receipts("webhooks", replayed, ago(1));
    await db
      .prepare("UPDATE consumer_receipts SET processed_at = ?1 WHERE consumer = 'billing' AND event_id IN (SELECT value FROM json_each(?2))")
      .bind(ago(6.9).toISOString(), JSON.stringify(edge))
      .run();
    await db
      .prepare("UPDATE consumer_receipts SET processed_at = ?1 WHERE consumer = 'billing' AND event_id IN (SELECT value FROM json_each(?2))")
      .bind(ago(0).toISOString(), JSON.stringify(fresh))
      .run();

    expect(await pruneReceipts(db, NOW, 7)).toEqual({ receipts: 6 });

    expect([...(await processedEventIds(db, "billing", [...old, ...edge, ...fresh]))].sort()).toEqual([...edge, ...fresh].sort());
    expect([...(await processedEventIds(db, "webhooks", [...old, ...replayed]))]).toEqual(replayed);
  });

  it("deletes at most chunk × maxChunks rows a run, oldest first, and converges over runs", async () => {
    await receipts("bounded", eventIds(25, ago(10)), ago(10));
    await receipts("bounded", eventIds(5, ago(9)), ago(9));
    await receipts("bounded", eventIds(4, ago(1)), ago(1));
    const limits = { chunk: 10, maxChunks: 2 };

    expect(await pruneReceipts(db, NOW, 7, limits)).toEqual({ receipts: 20 });
    expect(await count("bounded")).toBe(14);
    // The oldest went first: what is left of the backlog includes every 9-day-old receipt.
    const left = await db
      .prepare("SELECT count(*) AS n FROM consumer_receipts WHERE consumer = 'bounded' AND processed_at = ?")
      .bind(ago(9).toISOString())
      .first<{ n: number }>();
    expect(left?.n).toBe(5);
    expect(await pruneReceipts(db, NOW, 7, limits)).toEqual({ receipts: 10 });
    expect(await pruneReceipts(db, NOW, 7, limits)).toEqual({ receipts: 0 });
    expect(await count("bounded")).toBe(4);
  });

  it("stops the store growing: 200 receipts a day for 60 days, pruned daily, never exceed the window's worth", async () => {
    const perDay = 200;
    const start = new Date("2027-01-01T00:00:00.000Z").getTime();
    const sizes: number[] = [];
    for (let day = 0; day < 60; day++) {
      const today = new Date(start + day * DAY_MS);
      await receipts("growth", eventIds(perDay, today), today);
      await pruneReceipts(db, new Date(today.getTime() + DAY_MS / 2), 7);
      sizes.push(await count("growth"));
    }
    // A prune at noon of day d keeps days d-6 .. d (day d-7's receipts are 7.5 days old by then).
    expect(Math.max(...sizes)).toBe(perDay * 7);
    expect(sizes.slice(10).every((n) => n === perDay * 7)).toBe(true);
  });

  it("finds the oldest receipts through the processed-time index, not a table scan", async () => {
    const plan = await db
      .prepare("EXPLAIN QUERY PLAN SELECT rowid FROM consumer_receipts WHERE processed_at < ?1 ORDER BY processed_at LIMIT ?2")
      .bind(NOW.toISOString(), 10)
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join("; ")).toContain("USING COVERING INDEX consumer_receipts_processed_idx");
  });
});

describe("RECEIPTS_RETENTION_DAYS", () => {
  it("defaults to 7 days, takes whole days, and refuses a window shorter than a queue keeps a message", () => {
    expect(receiptsRetentionDaysOf({})).toBe(7);
    expect(receiptsRetentionDaysOf({ RECEIPTS_RETENTION_DAYS: "30" })).toBe(30);
    expect(() => receiptsRetentionDaysOf({ RECEIPTS_RETENTION_DAYS: "2" })).toThrow(/RECEIPTS_RETENTION_DAYS/);
    expect(() => receiptsRetentionDaysOf({ RECEIPTS_RETENTION_DAYS: "7.5" })).toThrow(/RECEIPTS_RETENTION_DAYS/);
  });
});
