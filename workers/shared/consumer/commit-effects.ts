import type { LinkEvent } from "#events";
import { errorMessage } from "../log";
import type { EventItem } from "./batch-item";
import type { CommitPlan, Effects } from "./consumer-spec";
import { receiptStatement } from "./receipts";

type PlanEffects<E> = (events: LinkEvent[], db: D1Database, env: E) => Effects | Promise<Effects>;

/**
 * The D1 effects of the items and their receipts in ONE batch, so an event is applied exactly
 * when it is marked processed. When the aggregate fails, one of them may poison it: each is
 * then committed alone, so the others still land and only the failing one retries.
 */
export async function commitEffects<E>(items: EventItem[], db: D1Database, consumer: string, plan: PlanEffects<E> | undefined, env: E): Promise<void> {
  if (await commit(items, db, consumer, plan, env)) return;
  for (const item of items) await commit([item], db, consumer, plan, env);
}

async function commit<E>(items: EventItem[], db: D1Database, consumer: string, plan: PlanEffects<E> | undefined, env: E): Promise<boolean> {
  if (items.length === 0) return true;
  const events = items.map((i) => i.event);
  try {
    const { statements, beforeCommit } = commitPlanOf(plan ? await plan(events, db, env) : []);
    // What must exist before the rows do (webhooks: the messages of its delivery rows) goes first; failing, it fails this commit.
    await beforeCommit?.();
    await db.batch([
      ...statements,
      receiptStatement(
        db,
        consumer,
        events.map((e) => e.id),
        new Date().toISOString(),
      ),
    ]);
    for (const item of items) item.outcome = { kind: "delivered", duplicate: false };
    return true;
  } catch (error) {
    const [only] = items;
    if (items.length === 1 && only) only.outcome = { kind: "retry", error: errorMessage(error) };
    return false;
  }
}

function commitPlanOf(effects: Effects): CommitPlan {
  return Array.isArray(effects) ? { statements: effects } : effects;
}
