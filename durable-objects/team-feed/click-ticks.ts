import type { ClickCount, RecordClicksInput } from "./feed-rpc";
import type { TickCount } from "./frames";

/**
 * The shortest time between two `clicks` frames to a socket: at most 4 a second, however
 * many click batches arrive. Counts that arrive in between are summed into the next tick.
 */
export const TICK_INTERVAL_MS = 250;
/** A tick names at most this many links per frame (~70 B each); a busier tick is cut into several frames. */
export const MAX_COUNTS_PER_FRAME = 500;
/**
 * How many click batch ids are remembered to recognise a redelivery: about three hours of
 * one batch a second per api isolate, far beyond the dashboard queue's retries (10, backoff
 * capped at 60 s). A batch redriven later than that adds to a live counter once more; the
 * stored stats are not affected, and the next reload shows them.
 */
export const CLICK_BATCH_MEMORY = 10_000;

/**
 * Pending click counts of a TeamFeed, in its SQLite storage (tables made by
 * migrateFeedStorage): what arrived since the last tick, per link, and the ids of the
 * batches already counted. Kept in SQLite, not in memory, because the object may be
 * evicted between a batch and its tick; the alarm that flushes them survives eviction too.
 * Every method is synchronous: a record and a drain never interleave.
 */
export class ClickTicks {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Remembers each batch id and, for the ones not seen before, adds their counts to the
   * pending tick when `accumulate` (with no socket open, nobody would see the tick).
   * Returns the ids that were new and those already seen.
   */
  record(batches: RecordClicksInput["batches"], accumulate: boolean): { fresh: string[]; duplicates: string[] } {
    const fresh: string[] = [];
    const duplicates: string[] = [];
    for (const batch of batches) {
      const row = this.sql
        .exec<{ seq: number }>("INSERT INTO click_batches (batch_id) VALUES (?) ON CONFLICT (batch_id) DO NOTHING RETURNING seq", batch.id)
        .toArray()[0];
      if (!row) {
        duplicates.push(batch.id);
        continue;
      }
      fresh.push(batch.id);
      if (accumulate) for (const count of batch.counts) this.add(count);
    }
    if (fresh.length > 0) this.prune();
    return { fresh, duplicates };
  }

  /** Takes every pending count, oldest link first, leaving none. */
  drain(): TickCount[] {
    const counts = this.sql
      .exec<{ link_id: string; slug: string; clicks: number }>("SELECT link_id, slug, clicks FROM pending_clicks ORDER BY rowid")
      .toArray()
      .map((row) => ({ linkId: row.link_id, slug: row.slug, clicks: row.clicks }));
    if (counts.length > 0) this.sql.exec("DELETE FROM pending_clicks");
    return counts;
  }

  hasPending(): boolean {
    return this.sql.exec("SELECT 1 FROM pending_clicks LIMIT 1").toArray().length > 0;
  }

  /** When the last tick went out (epoch ms; 0 before the first). */
  lastTickAt(): number {
    return this.sql.exec<{ at: number }>("SELECT at FROM click_tick WHERE id = 1").toArray()[0]?.at ?? 0;
  }

  markTick(at: number): void {
    this.sql.exec("INSERT INTO click_tick (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at", at);
  }

  /** How many batch ids are remembered, and how many links have a pending count. */
  size(): { batches: number; pendingLinks: number } {
    return this.sql
      .exec<{ batches: number; pendingLinks: number }>(
        "SELECT (SELECT count(*) FROM click_batches) AS batches, (SELECT count(*) FROM pending_clicks) AS pendingLinks",
      )
      .one();
  }

  private add(count: ClickCount): void {
    this.sql.exec(
      `INSERT INTO pending_clicks (link_id, slug, clicks) VALUES (?, ?, ?)
       ON CONFLICT (link_id) DO UPDATE SET clicks = clicks + excluded.clicks, slug = excluded.slug`,
      count.linkId,
      count.slug,
      count.clicks,
    );
  }

  private prune(): void {
    this.sql.exec("DELETE FROM click_batches WHERE seq <= (SELECT max(seq) FROM click_batches) - ?", CLICK_BATCH_MEMORY);
  }
}

/** A tick's counts cut into frames of at most MAX_COUNTS_PER_FRAME links. */
export function chunkCounts(counts: TickCount[]): TickCount[][] {
  const chunks: TickCount[][] = [];
  for (let i = 0; i < counts.length; i += MAX_COUNTS_PER_FRAME) chunks.push(counts.slice(i, i + MAX_COUNTS_PER_FRAME));
  return chunks;
}
