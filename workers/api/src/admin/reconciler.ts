import { and, asc, eq, gt, gte, inArray, isNotNull, lte, sql } from "drizzle-orm";
import { events, reconciliation } from "#db/links";
import type { UnfinishedDelivery } from "#contracts/fanout/ledger-rpc";
import { SUBSCRIPTIONS } from "#contracts/fanout/subscriptions";
import type { RpcResult } from "../../../shared/rpc";
import { rpcValueOrThrow } from "../http/rpc-value";
import type { Database } from "../db";
import { errorMessage, logger } from "../../../shared/log";

const log = logger("api");

/**
 * The end-to-end reconciler (README "Reconciliation"): every minute it checks a bounded slice of
 * the api's event log against the fan-out's ledger and re-sends each event to the subscribers
 * that never finished it. Subscribers' receipts make a second copy harmless.
 */

/** Published events younger than this are left to the normal path (optional var RECONCILE_GRACE_SECONDS). */
export const DEFAULT_RECONCILE_GRACE_SECONDS = 120;
/** A `pending` delivery untouched this long is sent again (optional var RECONCILE_STALE_PENDING_SECONDS). */
export const DEFAULT_RECONCILE_STALE_PENDING_SECONDS = 600;
/**
 * A `retrying` delivery untouched this long is sent again (optional var RECONCILE_STALE_RETRYING_SECONDS):
 * three times the consumers' longest backoff, so only one whose retry message was lost.
 */
export const DEFAULT_RECONCILE_STALE_RETRYING_SECONDS = 1_800;
/** Events per page: one ledger question per page, and the ledger takes at most 100 (optional var RECONCILE_PAGE_SIZE). */
export const DEFAULT_RECONCILE_PAGE_SIZE = 100;
/** Pages a cron run checks (optional var RECONCILE_PAGES_PER_RUN): 1,000 events a minute. */
export const DEFAULT_RECONCILE_PAGES_PER_RUN = 10;

const STATE_ID = "reconciler";
/** The tail's own row in the same table: its cursor, its last run, its counts. */
const TAIL_ID = "reconciler-tail";
/** Where a tail without a cursor starts: events created this long before they come due. */
const TAIL_START_BEFORE_DUE_MS = 3_600_000;
/** An event still unpublished this long after its creation stops holding the tail back; the sweep checks it once the relay publishes it. */
const TAIL_WAITS_FOR_UNPUBLISHED_MS = 3_600_000;

/**
 * The event types some subscriber expects, from the fan-out's one subscription list. Audit events
 * reach no subscriber; ClicksRecorded batches are telemetry and never in this log (README "Clicks
 * are telemetry"), so listing them here matches nothing.
 */
const EXPECTED_TYPES = [...new Set(SUBSCRIPTIONS.flatMap((s) => s.types as readonly string[]))];

/** What the reconcilers ask of the fan-out's Ledger RPC (env.LEDGER). */
export interface ReconcilerLedger {
  unfinished(input: {
    events: { id: string; type: string }[];
    pendingBefore: string;
    includeInFlight?: boolean;
    retryingBefore?: string;
  }): Promise<RpcResult<{ unfinished: UnfinishedDelivery[] }>>;
  replay(input: { subscriber: string; events: unknown[] }): Promise<RpcResult<{ queued: number }>>;
}

export interface ReconcileOptions {
  graceSeconds: number;
  stalePendingSeconds: number;
  staleRetryingSeconds: number;
  pageSize: number;
  pages: number;
  /** The replay window: events older than this many days are pruned and not checked. */
  windowDays: number;
}

export interface ReconcileRun {
  pages: number;
  checked: number;
  missing: number;
  stalePending: number;
  staleRetrying: number;
  resent: number;
  /** Where the next run starts (null: the window's start). */
  cursor: string | null;
  /** Whether this run reached the window's end (and went back to its start). */
  sweptToEnd: boolean;
}

async function stateOf(db: Database) {
  await db.insert(reconciliation).values({ id: STATE_ID }).onConflictDoNothing();
  const state = await db.select().from(reconciliation).where(eq(reconciliation.id, STATE_ID)).get();
  if (!state) throw new Error("reconciliation state row missing");
  return state;
}

/** The reconciler's state for the admin read (null before its first run). */
export async function reconciliationState(db: Database) {
  return (await db.select().from(reconciliation).where(eq(reconciliation.id, STATE_ID)).get()) ?? null;
}

/**
 * One cron run: up to `pages` pages of published events older than the grace period and within
 * the window, after the saved cursor. Each page is one ledger question, then one replay per
 * subscriber that lacks some of its events; the cursor and counts are saved after each page, so a
 * crash re-checks at most the page in flight. At the window's end the cursor goes back to its start
 * (the next run begins a new sweep). A run whose cursor moved under it (an overlapping run) stops.
 */
export async function reconcileEventLog(db: Database, ledger: ReconcilerLedger, now: Date, options: ReconcileOptions): Promise<ReconcileRun> {
  const state = await stateOf(db);
  // Events after the tail's cursor are the tail's (reconcileTail): checked once as they come due.
  const tailCursor = (await db.select({ cursor: reconciliation.cursor }).from(reconciliation).where(eq(reconciliation.id, TAIL_ID)).get())?.cursor ?? null;
  const olderThan = new Date(now.getTime() - options.graceSeconds * 1000).toISOString();
  const windowStart = new Date(now.getTime() - options.windowDays * 86_400_000).toISOString();
  const pendingBefore = new Date(now.getTime() - options.stalePendingSeconds * 1000).toISOString();
  const retryingBefore = new Date(now.getTime() - options.staleRetryingSeconds * 1000).toISOString();
  const run: ReconcileRun = { pages: 0, checked: 0, missing: 0, stalePending: 0, staleRetrying: 0, resent: 0, cursor: state.cursor, sweptToEnd: false };
  try {
    while (run.pages < options.pages && !run.sweptToEnd) {
      // The grace counts from publication: an event the relay published late gets the normal path's time too.
      const conditions = [
        isNotNull(events.publishedAt),
        lte(events.publishedAt, olderThan),
        inArray(events.type, EXPECTED_TYPES),
        gte(events.createdAt, windowStart),
      ];
      if (run.cursor) conditions.push(gt(events.id, run.cursor));
      if (tailCursor) conditions.push(lte(events.id, tailCursor));
      const page = await db
        .select({ id: events.id, type: events.type, envelope: events.envelope })
        .from(events)
        .where(and(...conditions))
        .orderBy(asc(events.id))
        .limit(options.pageSize)
        .all();
      run.pages++;
      const counts = await resendUnfinished(ledger, page, pendingBefore, retryingBefore);
      const reachedEnd = page.length < options.pageSize;
      const next = reachedEnd ? null : (page.at(-1)?.id ?? null);
      const saved = await savePage(db, STATE_ID, run.cursor, next, page.length, counts, reachedEnd);
      addCounts(run, page.length, counts);
      if (!saved) {
        log.warn("reconciliation cursor moved under this run; another run continues", { cursor: run.cursor });
        break;
      }
      run.cursor = next;
      run.sweptToEnd = reachedEnd;
    }
    await saveRun(db, run, now, null);
    log.info("reconciliation run", { ...run });
    return run;
  } catch (error) {
    log.error("reconciliation run failed", { ...run, error: errorMessage(error) });
    await saveRun(db, run, now, errorMessage(error).slice(0, 500));
    throw error;
  }
}

export interface TailRun {
  pages: number;
  checked: number;
  missing: number;
  stalePending: number;
  staleRetrying: number;
  resent: number;
  cursor: string | null;
  /** Whether the tail reached events not due yet (false: the page budget ran out first, the tail lags). */
  caughtUp: boolean;
}

/** The tail's state for the admin read (null before its first run). */
export async function reconciliationTailState(db: Database) {
  return (await db.select().from(reconciliation).where(eq(reconciliation.id, TAIL_ID)).get()) ?? null;
}

/**
 * The tail: every published event checked once, as soon as it comes due (published longer ago
 * than both the grace period and the stale-pending age, so a delivery still `pending` then is
 * stale and is re-sent too). It follows the log in id order from its cursor and stops at the
 * first event that is not due yet, so a loss at a crash is repaired within about that age plus
 * one cron period, however long the window's sweep takes (README "Reconciliation"). Events the
 * relay publishes late (behind the tail) are the sweep's; so is everything at or before the tail's
 * cursor (reconcileEventLog), so no event is re-sent twice by one run.
 */
export async function reconcileTail(db: Database, ledger: ReconcilerLedger, now: Date, options: ReconcileOptions): Promise<TailRun> {
  await db.insert(reconciliation).values({ id: TAIL_ID }).onConflictDoNothing();
  const state = await reconciliationTailState(db);
  const dueMs = Math.max(options.graceSeconds, options.stalePendingSeconds) * 1000;
  const dueBefore = new Date(now.getTime() - dueMs).toISOString();
  const pendingBefore = new Date(now.getTime() - options.stalePendingSeconds * 1000).toISOString();
  const retryingBefore = new Date(now.getTime() - options.staleRetryingSeconds * 1000).toISOString();
  const unpublishedGivenUpBefore = new Date(now.getTime() - TAIL_WAITS_FOR_UNPUBLISHED_MS).toISOString();
  const windowStart = new Date(now.getTime() - options.windowDays * 86_400_000).toISOString();
  const firstStart = new Date(now.getTime() - dueMs - TAIL_START_BEFORE_DUE_MS).toISOString();
  const run: TailRun = { pages: 0, checked: 0, missing: 0, stalePending: 0, staleRetrying: 0, resent: 0, cursor: state?.cursor ?? null, caughtUp: false };
  while (run.pages < options.pages && !run.caughtUp) {
    const conditions = [inArray(events.type, EXPECTED_TYPES), gte(events.createdAt, run.cursor ? windowStart : firstStart)];
    if (run.cursor) conditions.push(gt(events.id, run.cursor));
    const rows = await db
      .select({ id: events.id, type: events.type, envelope: events.envelope, publishedAt: events.publishedAt, createdAt: events.createdAt })
      .from(events)
      .where(and(...conditions))
      .orderBy(asc(events.id))
      .limit(options.pageSize)
      .all();
    run.pages++;
    // The due prefix: published long enough ago, or unpublished for so long that the sweep takes it over.
    const stop = rows.findIndex((e) => (e.publishedAt === null ? e.createdAt > unpublishedGivenUpBefore : e.publishedAt > dueBefore));
    const prefix = stop === -1 ? rows : rows.slice(0, stop);
    const due = prefix.filter((e) => e.publishedAt !== null);
    const counts = await resendUnfinished(ledger, due, pendingBefore, retryingBefore);
    const next = prefix.at(-1)?.id ?? run.cursor;
    const saved = await savePage(db, TAIL_ID, run.cursor, next, due.length, counts, false);
    addCounts(run, due.length, counts);
    if (!saved) {
      log.warn("reconciliation tail moved under this run; another run continues", { cursor: run.cursor });
      break;
    }
    run.cursor = next;
    run.caughtUp = stop !== -1 || rows.length < options.pageSize;
  }
  const { checked, missing, stalePending, staleRetrying, resent } = run;
  await db
    .update(reconciliation)
    .set({ lastRun: { checked, missing, stalePending, staleRetrying, resent }, lastRunAt: now.toISOString(), lastError: null })
    .where(eq(reconciliation.id, TAIL_ID));
  if (!run.caughtUp) log.warn("reconciliation tail lags: the page budget ran out before the events not due yet", { ...run });
  log.info("reconciliation tail run", { ...run });
  return run;
}

interface LoggedEvent {
  id: string;
  type: string;
  envelope: string;
}

/** One ledger question for a page of events, then one replay per subscriber that lacks some of them. */
async function resendUnfinished(ledger: ReconcilerLedger, page: LoggedEvent[], pendingBefore: string, retryingBefore: string) {
  const counts = { missing: 0, stalePending: 0, staleRetrying: 0, resent: 0 };
  if (page.length === 0) return counts;
  const { unfinished } = rpcValueOrThrow(await ledger.unfinished({ events: page.map((e) => ({ id: e.id, type: e.type })), pendingBefore, retryingBefore }));
  const envelopeOf = new Map(page.map((e) => [e.id, e.envelope]));
  const bySubscriber = new Map<string, unknown[]>();
  for (const pair of unfinished) {
    // Never asked for here; a pair in flight needs no re-send.
    if (pair.reason === "in_flight") continue;
    if (pair.reason === "missing") counts.missing++;
    else if (pair.reason === "stale_retrying") counts.staleRetrying++;
    else counts.stalePending++;
    const envelope = envelopeOf.get(pair.eventId);
    if (envelope === undefined) continue;
    const list = bySubscriber.get(pair.subscriber) ?? [];
    list.push(JSON.parse(envelope) as unknown);
    bySubscriber.set(pair.subscriber, list);
  }
  for (const [subscriber, envelopes] of bySubscriber) counts.resent += rpcValueOrThrow(await ledger.replay({ subscriber, events: envelopes })).queued;
  return counts;
}

type PageCounts = Awaited<ReturnType<typeof resendUnfinished>>;

/**
 * A page's progress, saved only if the row's cursor is still where this run read it (`from`):
 * an overlapping run that moved it wins, and this one stops. Counts add to the row's totals.
 */
async function savePage(
  db: Database,
  id: string,
  from: string | null,
  next: string | null,
  checked: number,
  counts: PageCounts,
  sweepDone: boolean,
): Promise<boolean> {
  const saved = await db
    .update(reconciliation)
    .set({
      cursor: next,
      sweeps: sql`${reconciliation.sweeps} + ${sweepDone ? 1 : 0}`,
      checked: sql`${reconciliation.checked} + ${checked}`,
      missing: sql`${reconciliation.missing} + ${counts.missing}`,
      stalePending: sql`${reconciliation.stalePending} + ${counts.stalePending}`,
      staleRetrying: sql`${reconciliation.staleRetrying} + ${counts.staleRetrying}`,
      resent: sql`${reconciliation.resent} + ${counts.resent}`,
    })
    .where(and(eq(reconciliation.id, id), sql`${reconciliation.cursor} IS ${from}`))
    .returning({ id: reconciliation.id })
    .get();
  return saved !== undefined;
}

function addCounts(run: PageCounts & { checked: number }, checked: number, counts: PageCounts): void {
  run.checked += checked;
  run.missing += counts.missing;
  run.stalePending += counts.stalePending;
  run.staleRetrying += counts.staleRetrying;
  run.resent += counts.resent;
}

async function saveRun(db: Database, run: ReconcileRun, now: Date, lastError: string | null): Promise<void> {
  const { checked, missing, stalePending, staleRetrying, resent } = run;
  await db
    .update(reconciliation)
    .set({ lastRun: { checked, missing, stalePending, staleRetrying, resent }, lastRunAt: now.toISOString(), lastError })
    .where(eq(reconciliation.id, STATE_ID));
}
