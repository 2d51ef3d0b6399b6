import { and, eq, getTableColumns, isNull, sql } from "drizzle-orm";
import { events, links, type LinkRow } from "../../../../db/links";
import type { LinkEvent } from "../../../../events";
import { quotaWindow, type LinkQuota } from "../billing/quota";
import type { Database } from "../db";
import { eventRow } from "../outbox/new-event";
import { redirectCache } from "../redirect/redirect-cache";

/**
 * Runs a link write, then drops the slugs it touched from this isolate's redirect cache, so the
 * isolate that made a change redirects the new way at once (others within the cache's bound).
 * Also when the write failed: it may have committed before the error reached us.
 */
async function thenForgetSlugs<T>(slugs: string[], write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } finally {
    redirectCache.forget({ slugs });
  }
}

/**
 * The first half of the outbox: every link change and its event row are written in
 * ONE D1 batch, which D1 runs as one transaction. Either both exist or neither does.
 * New links are also guarded by the monthly quota: a link over it is not inserted,
 * and so neither is its event. Answers, per item, whether it was created.
 */
export async function insertLinksWithEvents(db: Database, items: { row: LinkRow; event: LinkEvent }[], quota: LinkQuota): Promise<boolean[]> {
  const [first, ...rest] = items.flatMap(({ row, event }) => [insertLinkUnderQuota(db, row, quota), insertEventIfApplied(db, event, row.id)]);
  if (!first) return [];
  // A new slug may be cached as unknown (someone tried it before it existed).
  const results = await thenForgetSlugs(
    items.map(({ row }) => row.slug),
    () => db.batch([first, ...rest]),
  );
  return items.map((_, i) => results[2 * i]?.meta.changes === 1);
}

/**
 * Inserts the link only while its team has created fewer than `quota.limit` links
 * in the link's UTC month. The count runs inside the batch, so it sees the links
 * inserted just before it (a bulk of 100 stops exactly at the limit) and no
 * concurrent request can slip in between (links_team_created_idx keeps it an index
 * range count).
 */
function insertLinkUnderQuota(db: Database, row: LinkRow, quota: LinkQuota) {
  // Every column in the order drizzle lists them for INSERT, each encoded as its column does (tags as JSON).
  const values = Object.entries(getTableColumns(links)).map(([key, column]) => sql.param(row[key as keyof LinkRow], column));
  const { start, end } = quotaWindow(row.createdAt);
  return db.insert(links).select(
    sql`SELECT ${sql.join(values, sql`, `)} WHERE (SELECT count(*) FROM ${links} WHERE ${links.teamId} = ${row.teamId} AND ${links.createdAt} >= ${start} AND ${links.createdAt} < ${end}) < ${quota.limit}`,
  );
}

/**
 * Inserts the event only if the guarded write just before it in the same batch took
 * effect (that write stamps the row's `last_event_id` with this event's id). A write
 * that lost a race (0 rows changed) therefore leaves no event behind.
 */
function insertEventIfApplied(db: Database, event: LinkEvent, linkId: string) {
  const row = eventRow(event);
  return db.insert(events).select(
    db
      .select({
        id: sql`${row.id}`.as("id"),
        type: sql`${row.type}`.as("type"),
        version: sql`${row.version}`.as("version"),
        teamId: sql`${row.teamId}`.as("team_id"),
        subject: sql`${row.subject}`.as("subject"),
        traceId: sql`${row.traceId}`.as("trace_id"),
        occurredAt: sql`${row.occurredAt}`.as("occurred_at"),
        envelope: sql`${row.envelope}`.as("envelope"),
        createdAt: sql`${row.createdAt}`.as("created_at"),
        publishedAt: sql`NULL`.as("published_at"),
        sendAttempts: sql`0`.as("send_attempts"),
        lastSendError: sql`NULL`.as("last_send_error"),
      })
      .from(links)
      .where(and(eq(links.id, linkId), eq(links.lastEventId, event.id))),
  );
}

/** Applies `changes` only if nobody changed the link since `before` was read (optimistic concurrency). */
export async function updateLinkWithEvent(
  db: Database,
  before: LinkRow,
  changes: Partial<LinkRow> & { updatedAt: string; lastEventId: string },
  event: LinkEvent,
): Promise<boolean> {
  const slugs = changes.slug === undefined ? [before.slug] : [before.slug, changes.slug];
  const [update] = await thenForgetSlugs(slugs, () =>
    db.batch([
      db
        .update(links)
        .set(changes)
        .where(and(eq(links.id, before.id), eq(links.lastEventId, before.lastEventId), isNull(links.deletedAt))),
      insertEventIfApplied(db, event, before.id),
    ]),
  );
  return update.meta.changes === 1;
}

export async function softDeleteLinkWithEvent(db: Database, link: LinkRow, deletedAt: string, event: LinkEvent): Promise<boolean> {
  const [update] = await thenForgetSlugs([link.slug], () =>
    db.batch([
      db
        .update(links)
        .set({ deletedAt, updatedAt: deletedAt, lastEventId: event.id })
        .where(and(eq(links.id, link.id), isNull(links.deletedAt))),
      insertEventIfApplied(db, event, link.id),
    ]),
  );
  return update.meta.changes === 1;
}
