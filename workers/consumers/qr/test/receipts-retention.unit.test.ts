import { createScheduledController, env } from "cloudflare:test";
import { ulid } from "ulid";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { pruneQrReceipts } from "../src/prune-receipts";
import { hasReceipt, qrKey, receiptKey, writeReceipt } from "../src/qr-store";

const DAY = 24 * 3_600_000;
const bucket = env.QR_BUCKET;

/** Receipts written now (R2 stamps the upload time) for events made `ageDays` ago. */
async function receipts(count: number, ageDays: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => `evt_${ulid(Date.now() - ageDays * DAY)}`);
  for (const id of ids) await writeReceipt(bucket, id, "LinkCreated", "lnk_retention");
  return ids;
}

async function kept(ids: string[]): Promise<string[]> {
  const present: string[] = [];
  for (const id of ids) if (await hasReceipt(bucket, id)) present.push(id);
  return present;
}

describe("qr: R2 receipt retention (the hourly cron)", () => {
  it("deletes receipts written more than 7 days before the run, judged by when they were written, not by the event's age; codes stay", async () => {
    const ids = [...(await receipts(2, 40)), ...(await receipts(2, 0))];
    await bucket.put(qrKey("lnk_retention"), "<svg/>");

    // Six days on, even a 46-day-old event's receipt is only six days old: it stays.
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now() + 6 * DAY, cron: "47 * * * *" }), env);
    expect(await kept(ids)).toEqual(ids);

    await worker.scheduled(createScheduledController({ scheduledTime: Date.now() + 7 * DAY + 60_000, cron: "47 * * * *" }), env);
    expect(await kept(ids)).toEqual([]);
    expect(await bucket.head(qrKey("lnk_retention"))).not.toBeNull();
  });

  it("lists and deletes at most pageSize × maxPages receipts a run, and converges over runs", async () => {
    const ids = await receipts(25, 3);
    const limits = { pageSize: 10, maxPages: 2 };
    const later = new Date(Date.now() + 8 * DAY);
    const runs: number[] = [];
    for (let run = 0; run < 10; run++) {
      const { receipts: removed } = await pruneQrReceipts(bucket, later, 7, limits);
      expect(removed).toBeLessThanOrEqual(20);
      runs.push(removed);
      if (removed === 0) break;
    }
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(await kept(ids)).toEqual([]);
    expect((await bucket.list({ prefix: receiptKey("") })).objects.filter((o) => ids.includes(o.key.slice(receiptKey("").length)))).toEqual([]);
  });
});
