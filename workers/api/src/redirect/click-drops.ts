import { sql } from "drizzle-orm";
import { CLICK_DROP_REASONS, clickDrops, type ClickDropReason } from "#db/links";
import type { Database } from "../db";

/** Clicks lost for good, as counted in the links DB (`click_drops`, per UTC day of the clicks and reason). */
export interface ClickDrop {
  day: string;
  reason: ClickDropReason;
  batches: number;
  clicks: number;
  bots: number;
  heads: number;
}

export interface DropCounts {
  batches: number;
  clicks: number;
  bots: number;
  heads: number;
}

/** Adds drops to their (day, reason) rows: one upsert per row, all in one D1 batch. */
export async function countClickDrops(db: Database, drops: ClickDrop[], now: Date): Promise<void> {
  const rows = new Map<string, ClickDrop>();
  for (const drop of drops) {
    const key = `${drop.day}|${drop.reason}`;
    const row = rows.get(key);
    if (!row) rows.set(key, { ...drop });
    else {
      row.batches += drop.batches;
      row.clicks += drop.clicks;
      row.bots += drop.bots;
      row.heads += drop.heads;
    }
  }
  const at = now.toISOString();
  const [first, ...rest] = [...rows.values()].map((row) =>
    db
      .insert(clickDrops)
      .values({ ...row, updatedAt: at })
      .onConflictDoUpdate({
        target: [clickDrops.day, clickDrops.reason],
        set: {
          batches: sql`${clickDrops.batches} + excluded.batches`,
          clicks: sql`${clickDrops.clicks} + excluded.clicks`,
          bots: sql`${clickDrops.bots} + excluded.bots`,
          heads: sql`${clickDrops.heads} + excluded.heads`,
          updatedAt: at,
        },
      }),
  );
  if (first) await db.batch([first, ...rest]);
}

/** Every drop so far, in all and by reason (zeros for a reason that never happened). */
export async function clickDropTotals(db: Database): Promise<DropCounts & { byReason: Record<ClickDropReason, DropCounts> }> {
  const rows = await db
    .select({
      reason: clickDrops.reason,
      batches: sql<number>`sum(${clickDrops.batches})`,
      clicks: sql<number>`sum(${clickDrops.clicks})`,
      bots: sql<number>`sum(${clickDrops.bots})`,
      heads: sql<number>`sum(${clickDrops.heads})`,
    })
    .from(clickDrops)
    .groupBy(clickDrops.reason)
    .all();
  const zero = (): DropCounts => ({ batches: 0, clicks: 0, bots: 0, heads: 0 });
  const byReason = Object.fromEntries(CLICK_DROP_REASONS.map((r) => [r, zero()])) as Record<ClickDropReason, DropCounts>;
  const total = zero();
  for (const row of rows) {
    const counts = { batches: Number(row.batches), clicks: Number(row.clicks), bots: Number(row.bots), heads: Number(row.heads) };
    byReason[row.reason] = counts;
    total.batches += counts.batches;
    total.clicks += counts.clicks;
    total.bots += counts.bots;
    total.heads += counts.heads;
  }
  return { ...total, byReason };
}
