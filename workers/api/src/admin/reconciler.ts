import { and, asc, eq, gt, gte, inArray, isNotNull, lte, sql } from "drizzle-orm";
import { events, reconciliation } from "../../../../db/links";
import type { UnfinishedDelivery } from "../../../../contracts/fanout/ledger-rpc";
import { SUBSCRIPTIONS } from "../../../../contracts/fanout/subscriptions";
import type { Database } from "../db";
import { log } from "../log";
import { errorMessage } from "../outbox/publish";

/**
 * The end-to-end reconciler (README "Reconciliation"): every minute it checks a bounded slice of
 * the api's event log against the fan-out's ledger and re-sends each event to the subscribers
 * that never finished it. Subscribers' receipts make a second copy harmless.
 */

/** Published events younger than this are left to the normal path (optional var RECONCILE_GRACE_SECONDS). */
export const DEFAULT_RECONCILE_GRACE_SECONDS = 120;
/** A `pending` delivery untouched this long is sent again (optional var RECONCILE_STALE_PENDING_SECONDS). */
export const DEFAULT_RECONCILE_STALE_PENDING_SECONDS = 600;
/** Events per page: one ledger question per page, and the ledger takes at most 100 (optional var RECONCILE_PAGE_SIZE). */
export const DEFAULT_RECONCILE_PAGE_SIZE = 100;
/** Pages a cron run checks (optional var RECONCILE_PAGES_PER_RUN): 1,000 events a minute. */
export const DEFAULT_RECONCILE_PAGES_PER_RUN = 10;

const STATE_ID = "reconciler";

/**
 * The event types some subscriber expects, from the fan-out's one subscription list. Audit events
 * reach no subscriber; ClicksRecorded batches are telemetry and never in this log (README "Clicks
 * are telemetry"), so listing them here matches nothing.
 */
const EXPECTED_TYPES = [...new Set(SUBSCRIPTIONS.flatMap((s) => s.types as readonly string[]))];

/** What the reconcilers ask of the fan-out's Ledger RPC (env.LEDGER). */
export interface ReconcilerLedger {
  unfinished(input: { events: { id: string; type: string }[]; pendingBefore: string; includeInFlight?: boolean }): Promise<{ unfinished: UnfinishedDelivery[] }>;
  replay(input: { subscriber: string; events: unknown[] }): Promise<{ queued: number }>;
}

export interface ReconcileOptions {
  graceSeconds: number;
  stalePendingSeconds: number;
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
  const olderThan = new Date(now.getTime() - options.graceSeconds * 1000).toISOString();
  const windowStart = new Date(now.getTime() - options.windowDays * 86_400_000).toISOString();
  const pendingBefore = new Date(now.getTime() - options.stalePendingSeconds * 1000).toISOString();
  const run: ReconcileRun = { pages: 0, checked: 0, missing: 0, stalePending: 0, resent: 0, cursor: state.cursor, sweptToEnd: false };
  try {
    while (run.pages < options.pages && !run.sweptToEnd) {
      // The grace counts from publication: an event the relay published late gets the normal path's time too.
      const conditions = [isNotNull(events.publishedAt), lte(events.publishedAt, olderThan), inArray(events.type, EXPECTED_TYPES), gte(events.createdAt, windowStart)];
      if (run.cursor) conditions.push(gt(events.id, run.cursor));
      const page = await db
        .select({ id: events.id, type: events.type, envelope: events.envelope })
        .from(events)
        .where(and(...conditions))
        .orderBy(asc(events.id))
        .limit(options.pageSize)
        .all();
      run.pages++;
      const counts = { missing: 0, stalePending: 0, resent: 0 };
      if (page.length > 0) {
        const { unfinished } = await ledger.unfinished({ events: page.map((e) => ({ id: e.id, type: e.type })), pendingBefore });
        const envelopeOf = new Map(page.map((e) => [e.id, e.envelope]));
        const bySubscriber = new Map<string, unknown[]>();
        for (const pair of unfinished) {
          // Never asked for here; a pair in flight needs no re-send.
          if (pair.reason === "in_flight") continue;
          if (pair.reason === "missing") counts.missing++;
          else counts.stalePending++;
          const envelope = envelopeOf.get(pair.eventId);
          if (envelope === undefined) continue;
          const list = bySubscriber.get(pair.subscriber) ?? [];
          list.push(JSON.parse(envelope) as unknown);
          bySubscriber.set(pair.subscriber, list);
        }
        for (const [subscriber, envelopes] of bySubscriber) counts.resent += (await ledger.replay({ subscriber, events: envelopes })).queued;
      }
      const reachedEnd = page.length < options.pageSize;
      const next = reachedEnd ? null : (page.at(-1)?.id ?? null);
      const saved = await db
        .update(reconciliation)
        .set({
          cursor: next,
          sweeps: sql`${reconciliation.sweeps} + ${reachedEnd ? 1 : 0}`,
          checked: sql`${reconciliation.checked} + ${page.length}`,
          missing: sql`${reconciliation.missing} + ${counts.missing}`,
          stalePending: sql`${reconciliation.stalePending} + ${counts.stalePending}`,
          resent: sql`${reconciliation.resent} + ${counts.resent}`,
        })
        .where(and(eq(reconciliation.id, STATE_ID), sql`${reconciliation.cursor} IS ${run.cursor}`))
        .returning({ id: reconciliation.id })
        .get();
      run.checked += page.length;
      run.missing += counts.missing;
      run.stalePending += counts.stalePending;
      run.resent += counts.resent;
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

async function saveRun(db: Database, run: ReconcileRun, now: Date, lastError: string | null): Promise<void> {
  const { checked, missing, stalePending, resent } = run;
  await db
    .update(reconciliation)
    .set({ lastRun: { checked, missing, stalePending, resent }, lastRunAt: now.toISOString(), lastError })
    .where(eq(reconciliation.id, STATE_ID));
}
