import { and, eq, sql } from "drizzle-orm";
import { clickReconciliation, type ClickSpoolRunCounts } from "#db/links";
import type { Database } from "../db";

// The click reconciler's one state row (links DB `click_reconciliation`): its cursor, totals and
// last run, each moved by compare-and-set so overlapping runs never count a page twice.

const STATE_ID = "click-spool";

export interface ClickReconcileRun extends ClickSpoolRunCounts {
  pages: number;
  /** The last key checked: the next run lists after it (null: from the oldest). */
  cursor: string | null;
  /** Whether this run reached the batches still within the grace period, or the spool's end. */
  sweptToEnd: boolean;
}

/** The state row, created on the first run. */
export async function stateOf(db: Database) {
  await db.insert(clickReconciliation).values({ id: STATE_ID }).onConflictDoNothing();
  const state = await db.select().from(clickReconciliation).where(eq(clickReconciliation.id, STATE_ID)).get();
  if (!state) throw new Error("click reconciliation state row missing");
  return state;
}

/** The click reconciler's state for the admin read (null before its first run). */
export async function clickReconciliationState(db: Database) {
  return (await db.select().from(clickReconciliation).where(eq(clickReconciliation.id, STATE_ID)).get()) ?? null;
}

/** Adds a page's counts and moves the cursor, only if no other run moved it since (false then). */
export async function savePage(db: Database, from: string | null, to: string | null, counts: ClickSpoolRunCounts, sweepDone: boolean): Promise<boolean> {
  const saved = await db
    .update(clickReconciliation)
    .set({
      cursor: to,
      sweeps: sql`${clickReconciliation.sweeps} + ${sweepDone ? 1 : 0}`,
      checked: sql`${clickReconciliation.checked} + ${counts.checked}`,
      resent: sql`${clickReconciliation.resent} + ${counts.resent}`,
      cleared: sql`${clickReconciliation.cleared} + ${counts.cleared}`,
    })
    .where(and(eq(clickReconciliation.id, STATE_ID), sql`${clickReconciliation.cursor} IS ${from}`))
    .returning({ id: clickReconciliation.id })
    .get();
  return saved !== undefined;
}

/** The run's own counts and error, for the admin read. */
export async function saveRun(db: Database, run: ClickReconcileRun, now: Date, lastError: string | null): Promise<void> {
  const { seen, checked, missing, stalePending, resent, cleared, kept, expired } = run;
  await db
    .update(clickReconciliation)
    .set({ lastRun: { seen, checked, missing, stalePending, resent, cleared, kept, expired }, lastRunAt: now.toISOString(), lastError })
    .where(eq(clickReconciliation.id, STATE_ID));
}
