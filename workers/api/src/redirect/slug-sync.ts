import { asc, eq, sql } from "drizzle-orm";
import { events, links } from "#db/links";
import type { Database } from "../db";
import type { RedirectCache } from "./redirect-cache";

/** Changes read per query; a burst bigger than PAGE * MAX_PAGES since the last sync drops the cache instead. */
const PAGE = 500;
const MAX_PAGES = 4;

// The outbox is the change log: every link write inserts its event row in the same D1 batch
// (link-writes.ts), and events are never deleted. D1 has one writer, and SQLite gives a new row
// the largest rowid plus one, so rowids grow in commit order: "rowid > watermark" is exactly
// "committed since the last sync", however the clocks of the writing isolates differ.
const seq = sql<number>`${events}.rowid`;

/**
 * Brings the isolate's redirect cache up to date with changes other isolates committed: drops
 * the entries of every link changed since the last sync (by id, so an old slug goes too) and
 * every slug now in use (so a negative entry does not hide a new link).
 */
export async function syncRedirectCache(cache: RedirectCache, db: Database): Promise<void> {
  const startedAt = cache.now();
  try {
    let watermark = cache.watermark();
    if (watermark === undefined) {
      // First sync of this isolate: whatever was cached before it cannot be vouched for.
      cache.restartFrom(await newestSeq(db), startedAt);
      return;
    }
    for (let page = 0; page < MAX_PAGES; page++) {
      const changes = await db
        .select({ seq, linkId: events.subject, slug: links.slug })
        .from(events)
        .leftJoin(links, eq(links.id, events.subject))
        .where(sql`${seq} > ${watermark}`)
        .orderBy(asc(seq))
        .limit(PAGE)
        .all();
      cache.forget({ linkIds: changes.map((c) => c.linkId), slugs: changes.flatMap((c) => (c.slug === null ? [] : [c.slug])) });
      watermark = changes.at(-1)?.seq ?? watermark;
      if (changes.length < PAGE) {
        cache.syncDone(watermark, startedAt);
        return;
      }
    }
    cache.restartFrom(await newestSeq(db), startedAt);
  } catch (error) {
    cache.syncFailed();
    throw error;
  }
}

async function newestSeq(db: Database): Promise<number> {
  const row = await db
    .select({ seq: sql<number>`coalesce(max(${seq}), 0)` })
    .from(events)
    .get();
  return row?.seq ?? 0;
}
