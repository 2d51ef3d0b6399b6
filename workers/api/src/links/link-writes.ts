import { and, eq, getTableColumns, isNull, sql } from "drizzle-orm";
import { events, links, type LinkRow } from "#db/links";
import type { LinkEvent } from "#events";
import { quotaExceeded, quotaWindow, type LinkQuota } from "../billing/quota";
import type { Database } from "../db";
import type { ApiError } from "../http/errors";
import { linkRateExceeded, linkRateWindowStart, type LinkRate } from "../limits/link-rate";
import { eventRow } from "../outbox/new-event";

/** What a new link must stay under: the team's monthly quota and its links-per-minute cap. */
export interface NewLinkLimits {
  quota: LinkQuota;
  rate: LinkRate;
}

/**
 * The first half of the outbox: every link change and its event row are written in
 * ONE D1 batch, which D1 runs as one transaction. Either both exist or neither does.
 * New links are also guarded by the monthly quota and the per-minute cap: a link over
 * either is not inserted, and so neither is its event. Answers, per item, null when it
 * was created or the error that refused it (`quota_exceeded`, or `rate_limited`).
 */
export async function insertLinksWithEvents(db: Database, items: { row: LinkRow; event: LinkEvent }[], limits: NewLinkLimits): Promise<(ApiError | null)[]> {
  const [first, ...rest] = items.flatMap(({ row, event }) => [insertLinkUnderLimits(db, row, limits), insertEventIfApplied(db, event, row.id)]);
  if (!first) return [];
  const results = await db.batch([first, ...rest]);
  const created = items.map((_, i) => results[2 * i]?.meta.changes === 1);
  const firstRefused = items.find((_, i) => !created[i]);
  if (!firstRefused) return created.map(() => null);
  const refusal = await whyRefused(db, firstRefused.row, limits);
  return created.map((ok) => (ok ? null : refusal));
}

/**
 * Inserts the link only while its team has created fewer than `quota.limit` links
 * in the link's UTC month and fewer than `rate.limit` in the 60 s before it. The
 * counts run inside the batch, so they see the links inserted just before (a bulk of
 * 100 stops exactly at a limit) and no concurrent request can slip in between
 * (links_team_created_idx keeps both index range counts).
 */
export function insertLinkUnderLimits(db: Database, row: LinkRow, { quota, rate }: NewLinkLimits) {
  // Every column in the order drizzle lists them for INSERT, each encoded as its column does (tags as JSON).
  const values = Object.entries(getTableColumns(links)).map(([key, column]) => sql.param(row[key as keyof LinkRow], column));
  const { start, end } = quotaWindow(row.createdAt);
  return db.insert(links).select(
    sql`SELECT ${sql.join(values, sql`, `)} WHERE (SELECT count(*) FROM ${links} WHERE ${links.teamId} = ${row.teamId} AND ${links.createdAt} >= ${start} AND ${links.createdAt} < ${end}) < ${quota.limit}
      AND (SELECT count(*) FROM ${links} WHERE ${links.teamId} = ${row.teamId} AND ${links.createdAt} > ${linkRateWindowStart(row.createdAt)}) < ${rate.limit}`,
  );
}

/**
 * Why a guarded insert took no effect. Within one batch every item shares the clock and the
 * counts only grow, so once one item is refused every later one is, for the same reason, and
 * nothing was inserted after it: the counts read now are the ones that refused it (up to a
 * concurrent request). The monthly quota wins: waiting a minute would not help.
 */
async function whyRefused(db: Database, row: LinkRow, { quota, rate }: NewLinkLimits): Promise<ApiError> {
  const { start, end } = quotaWindow(row.createdAt);
  const since = linkRateWindowStart(row.createdAt);
  const counts = await db
    .select({
      month: sql<number>`(SELECT count(*) FROM ${links} WHERE ${links.teamId} = ${row.teamId} AND ${links.createdAt} >= ${start} AND ${links.createdAt} < ${end})`,
      oldest: sql<string | null>`(SELECT min(${links.createdAt}) FROM ${links} WHERE ${links.teamId} = ${row.teamId} AND ${links.createdAt} > ${since})`,
    })
    .from(sql`(SELECT 1)`)
    .get();
  if (!counts || counts.month >= quota.limit) return quotaExceeded(quota);
  return linkRateExceeded(rate, counts.oldest);
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
  const [update] = await db.batch([
    db
      .update(links)
      .set(changes)
      .where(and(eq(links.id, before.id), eq(links.lastEventId, before.lastEventId), isNull(links.deletedAt))),
    insertEventIfApplied(db, event, before.id),
  ]);
  return update.meta.changes === 1;
}

export async function softDeleteLinkWithEvent(db: Database, link: LinkRow, deletedAt: string, event: LinkEvent): Promise<boolean> {
  const [update] = await db.batch([
    db
      .update(links)
      .set({ deletedAt, updatedAt: deletedAt, lastEventId: event.id })
      .where(and(eq(links.id, link.id), isNull(links.deletedAt))),
    insertEventIfApplied(db, event, link.id),
  ]);
  return update.meta.changes === 1;
}
