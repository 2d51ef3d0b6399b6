import { and, asc, eq, gt, gte, inArray, isNull, lte, lt, or, sql, type SQL } from "drizzle-orm";
import { events, replayJobs, type ReplayJobRow } from "#db/links";
import { subscriptionOf } from "#contracts/fanout/subscriptions";
import type { Database } from "../db";
import type { RpcResult } from "../../../shared/rpc";
import { rpcValueOrThrow } from "../http/rpc-value";
import { errorMessage, logger } from "../../../shared/log";

const log = logger("api");

/** The ledger's `replay` takes at most 100 events a call: one page is one call. */
export const REPLAY_PAGE_SIZE = 100;
/** Pages a cron run sends across all jobs when REPLAY_PAGES_PER_RUN is not set (5,000 events a minute). */
export const DEFAULT_REPLAY_PAGES_PER_RUN = 50;
/** Pages the POST itself sends before answering: a replay of up to 100 events is done at once. */
export const FIRST_SLICE_PAGES = 1;
/**
 * How long a claim holds a job. Renewed with every page, so it only has to outlast one page
 * (one D1 read and one ledger call, well under a second); a holder that crashed frees the job
 * at the latest this long after its last page.
 */
export const REPLAY_LEASE_MS = 60_000;
/** Failed slices in a row before a job gives up (a cron run a minute apart: about 5 minutes). */
export const MAX_REPLAY_FAILURES = 5;

interface Ledger {
  replay(input: { subscriber: string; events: unknown[] }): Promise<RpcResult<{ queued: number }>>;
}

export interface ReplayFilter {
  subscriber: string;
  since?: string | undefined;
  eventIds?: string[] | undefined;
}

/** The events a job sends: the subscriber's types, the filter, up to the log's end when it started. */
function jobConditions(filter: ReplayFilter, untilId?: string): SQL[] {
  const types = [...(subscriptionOf(filter.subscriber)?.types ?? [])];
  const conditions: SQL[] = [inArray(events.type, types)];
  if (untilId) conditions.push(lte(events.id, untilId));
  if (filter.since) conditions.push(gte(events.occurredAt, filter.since));
  // json_each keeps it one bound parameter: D1 allows 100 per statement.
  if (filter.eventIds) conditions.push(sql`${events.id} IN (SELECT value FROM json_each(${JSON.stringify(filter.eventIds)}))`);
  return conditions;
}

/**
 * Where a new job stops (the log's last event id now) and how many events it will send: one
 * batch (one transaction), so the count is of exactly the log that ends at `untilId`.
 * `untilId` is null when the log is empty. The count is one scan of the events table, once per job.
 */
export async function planReplay(db: Database, filter: ReplayFilter): Promise<{ untilId: string | null; total: number }> {
  const [last, counted] = await db.batch([
    db.select({ id: sql<string | null>`max(${events.id})` }).from(events),
    db
      .select({ n: sql<number>`count(*)` })
      .from(events)
      .where(and(...jobConditions(filter))),
  ]);
  return { untilId: last[0]?.id ?? null, total: counted[0]?.n ?? 0 };
}

const leaseUntil = (now: Date) => new Date(now.getTime() + REPLAY_LEASE_MS).toISOString();

/** Takes the job if it is running and nobody holds a live lease on it; returns it, or undefined. */
async function claim(db: Database, jobId: string, owner: string): Promise<ReplayJobRow | undefined> {
  const now = new Date();
  return db
    .update(replayJobs)
    .set({ leaseOwner: owner, leaseExpiresAt: leaseUntil(now), updatedAt: now.toISOString() })
    .where(
      and(eq(replayJobs.id, jobId), eq(replayJobs.status, "running"), or(isNull(replayJobs.leaseExpiresAt), lte(replayJobs.leaseExpiresAt, now.toISOString()))),
    )
    .returning()
    .get();
}

/** The holder's own writes: each is void if the lease was lost meanwhile (another run took over). */
const held = (job: ReplayJobRow, owner: string) => and(eq(replayJobs.id, job.id), eq(replayJobs.leaseOwner, owner), eq(replayJobs.status, "running"));

/**
 * Claims a job and sends up to `pages` pages of it, oldest event first, saving the cursor after
 * each page (a crash resends at most the page in flight; subscribers' receipts dedupe it).
 * Returns the pages used (0 when the job was not claimable).
 */
export async function runReplaySlice(db: Database, ledger: Ledger, jobId: string, pages: number): Promise<number> {
  const owner = crypto.randomUUID();
  const claimed = await claim(db, jobId, owner);
  if (!claimed) return 0;
  let job: ReplayJobRow = claimed;
  let used = 0;
  try {
    while (used < pages && job.status === "running") {
      const page = await nextPage(db, job);
      used++;
      const last = page.at(-1);
      const now = new Date().toISOString();
      const result = last
        ? rpcValueOrThrow(await ledger.replay({ subscriber: job.subscriber, events: page.map((row) => JSON.parse(row.envelope) as unknown) }))
        : { queued: 0 };
      const finished = !last || page.length < REPLAY_PAGE_SIZE || last.id === job.untilId;
      const next = await db
        .update(replayJobs)
        .set({
          cursor: last?.id ?? job.cursor,
          sent: sql`${replayJobs.sent} + ${result.queued}`,
          failures: 0,
          lastError: null,
          status: finished ? "done" : "running",
          finishedAt: finished ? now : null,
          leaseExpiresAt: leaseUntil(new Date()),
          updatedAt: now,
        })
        .where(held(job, owner))
        .returning()
        .get();
      if (!next) {
        log.warn("replay job lease lost; another run continues it", { jobId });
        return used;
      }
      job = next;
    }
  } catch (error) {
    const failures = job.failures + 1;
    const failed = failures >= MAX_REPLAY_FAILURES;
    const now = new Date().toISOString();
    log.error("replay slice failed", { jobId, failures, error: errorMessage(error) });
    await db
      .update(replayJobs)
      .set({ failures, lastError: errorMessage(error).slice(0, 500), status: failed ? "failed" : "running", finishedAt: failed ? now : null, updatedAt: now })
      .where(held(job, owner));
  } finally {
    await db
      .update(replayJobs)
      .set({ leaseOwner: null, leaseExpiresAt: null })
      .where(and(eq(replayJobs.id, jobId), eq(replayJobs.leaseOwner, owner)));
  }
  return used;
}

async function nextPage(db: Database, job: ReplayJobRow): Promise<{ id: string; envelope: string }[]> {
  if (job.untilId === null) return [];
  const conditions = jobConditions({ subscriber: job.subscriber, since: job.since ?? undefined, eventIds: job.eventIds ?? undefined }, job.untilId);
  if (job.cursor) conditions.push(gt(events.id, job.cursor));
  return db
    .select({ id: events.id, envelope: events.envelope })
    .from(events)
    .where(and(...conditions))
    .orderBy(asc(events.id))
    .limit(REPLAY_PAGE_SIZE)
    .all();
}

/**
 * The cron's share of replays: running jobs, oldest first, each continued until `pages` pages
 * have gone out in this run. Jobs another run holds are skipped; what is left waits a minute.
 */
export async function advanceReplayJobs(db: Database, ledger: Ledger, pages: number): Promise<{ pages: number; jobs: number }> {
  const now = new Date().toISOString();
  const runnable = await db
    .select({ id: replayJobs.id })
    .from(replayJobs)
    .where(and(eq(replayJobs.status, "running"), or(isNull(replayJobs.leaseExpiresAt), lt(replayJobs.leaseExpiresAt, now))))
    .orderBy(asc(replayJobs.id))
    .limit(20)
    .all();
  let used = 0;
  let jobs = 0;
  for (const { id } of runnable) {
    if (used >= pages) break;
    const slice = await runReplaySlice(db, ledger, id, pages - used);
    used += slice;
    if (slice > 0) jobs++;
  }
  if (used > 0) log.info("replay jobs advanced", { pages: used, jobs });
  return { pages: used, jobs };
}
