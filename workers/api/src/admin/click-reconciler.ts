import type { ClickSpoolRunCounts } from "#db/links";
import { clicksRecordedSchema, type ClicksRecorded } from "#events";
import type { Database } from "../db";
import { rpcValueOrThrow } from "../http/rpc-value";
import { errorMessage, logger } from "../../../shared/log";
import { countClickDrops, type ClickDrop } from "../redirect/click-drops";
import { SPOOL_PREFIX, spooledBatchOf, spooledCountsOf, type ClickSpool, type SpooledCounts } from "../redirect/click-spool";
import type { ReconcilerLedger } from "./reconciler";
import { saveRun, savePage, stateOf, type ClickReconcileRun } from "./click-reconciler-state";

export type { ClickReconcileRun } from "./click-reconciler-state";

const log = logger("api");

/**
 * The click reconciler (README "Clicks are telemetry"): every minute it walks the R2 click spool
 * oldest first and asks the fan-out's ledger, per batch, what each subscriber of clicks made of
 * it. The lifecycle reconciler's rule: a subscriber with no delivery (`missing`) or a `pending`
 * one past the stale age is sent the batch again (a ledger replay to its queue); a batch is
 * deleted once no subscriber has it unfinished or in flight (`delivered`, or `dead`: the dead
 * letter keeps its body). A batch older than the spool's maximum age is deleted either way, and
 * counted as dropped when some subscriber had not finished it.
 */

/** Spooled batches older than this are given up (optional var CLICK_SPOOL_MAX_AGE_HOURS): the stated loss limit. */
export const DEFAULT_CLICK_SPOOL_MAX_AGE_HOURS = 72;

/** R2 lists at most 1,000 keys a call. */
const MAX_LIST = 1_000;
/** A replay call carries up to this much JSON (batches are up to ~100 KB each). */
const REPLAY_MAX_BYTES = 1_000_000;
const REPLAY_MAX_EVENTS = 100;

export interface ClickReconcileOptions {
  graceSeconds: number;
  stalePendingSeconds: number;
  staleRetryingSeconds: number;
  /** Batches per ledger question (at most 100). */
  pageSize: number;
  /** Ledger questions a run asks: the run checks at most pageSize × pages batches. */
  pages: number;
  maxAgeHours: number;
}

interface SpooledEntry {
  key: string;
  id: string;
  at: number;
  counts: SpooledCounts;
}

const emptyCounts = (): ClickSpoolRunCounts => ({ seen: 0, checked: 0, missing: 0, stalePending: 0, resent: 0, cleared: 0, kept: 0, expired: 0 });

/** A drop's counts when the object's metadata are not the spool's: the batch's day from its id, no counts. */
function countsOrZero(metadata: Record<string, string> | undefined, at: number): SpooledCounts {
  return spooledCountsOf(metadata) ?? { day: new Date(at).toISOString().slice(0, 10), clicks: 0, bots: 0, heads: 0, links: 0 };
}

const dropOf = (entry: SpooledEntry, reason: ClickDrop["reason"]): ClickDrop => ({
  day: entry.counts.day,
  reason,
  batches: 1,
  clicks: entry.counts.clicks,
  bots: entry.counts.bots,
  heads: entry.counts.heads,
});

/** Envelopes in replay-sized chunks: at most 100 a call and about 1 MB of JSON. */
export function replayChunks(batches: { envelope: ClicksRecorded; bytes: number }[]): ClicksRecorded[][] {
  const chunks: ClicksRecorded[][] = [];
  let current: ClicksRecorded[] = [];
  let bytes = 0;
  for (const batch of batches) {
    if (current.length > 0 && (current.length >= REPLAY_MAX_EVENTS || bytes + batch.bytes > REPLAY_MAX_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(batch.envelope);
    bytes += batch.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * One ledger question for a page of batches past the grace period, then: re-sends per subscriber,
 * drops counted (before the deletes: a failure between the two counts a batch twice, never not
 * at all), one delete for every batch done with.
 */
async function checkPage(
  spool: ClickSpool,
  db: Database,
  ledger: ReconcilerLedger,
  page: SpooledEntry[],
  now: Date,
  options: ClickReconcileOptions,
): Promise<ClickSpoolRunCounts> {
  const counts = emptyCounts();
  counts.checked = page.length;
  const pendingBefore = new Date(now.getTime() - options.stalePendingSeconds * 1000).toISOString();
  const retryingBefore = new Date(now.getTime() - options.staleRetryingSeconds * 1000).toISOString();
  const expiredBefore = now.getTime() - options.maxAgeHours * 3_600_000;
  const { unfinished } = rpcValueOrThrow(
    await ledger.unfinished({ events: page.map((b) => ({ id: b.id, type: "ClicksRecorded" })), pendingBefore, retryingBefore, includeInFlight: true }),
  );
  const pairsOf = new Map<string, typeof unfinished>();
  for (const pair of unfinished) pairsOf.set(pair.eventId, [...(pairsOf.get(pair.eventId) ?? []), pair]);

  const done: string[] = [];
  const drops: { eventId: string; drop: ClickDrop }[] = [];
  const resendTo = new Map<SpooledEntry, string[]>();
  for (const entry of page) {
    const pairs = pairsOf.get(entry.id) ?? [];
    if (pairs.length === 0) {
      done.push(entry.key);
      counts.cleared++;
    } else if (entry.at < expiredBefore) {
      done.push(entry.key);
      drops.push({ eventId: entry.id, drop: dropOf(entry, "expired") });
      counts.expired++;
    } else {
      const again = pairs.filter((p) => p.reason !== "in_flight");
      counts.missing += again.filter((p) => p.reason === "missing").length;
      // Pending or retrying past its stale age: one count, the click spool's `stalePending`.
      counts.stalePending += again.filter((p) => p.reason === "stale_pending" || p.reason === "stale_retrying").length;
      if (again.length > 0)
        resendTo.set(
          entry,
          again.map((p) => p.subscriber),
        );
      else counts.kept++;
    }
  }

  const bySubscriber = new Map<string, { envelope: ClicksRecorded; bytes: number }[]>();
  for (const [entry, subscribers] of resendTo) {
    const object = await spool.get(entry.key);
    // Deleted since the listing (an overlapping run): nothing left to do for it.
    if (!object) continue;
    const text = await object.text();
    const parsed = clicksRecordedSchema.safeParse(safeJson(text));
    if (!parsed.success || parsed.data.id !== entry.id) {
      log.error("unreadable click batch in the spool; dropped", {
        key: entry.key,
        error: parsed.success ? "id does not match its key" : parsed.error.message.slice(0, 500),
      });
      done.push(entry.key);
      drops.push({ eventId: entry.id, drop: dropOf(entry, "unreadable") });
      continue;
    }
    counts.kept++;
    for (const subscriber of subscribers)
      bySubscriber.set(subscriber, [...(bySubscriber.get(subscriber) ?? []), { envelope: parsed.data, bytes: text.length }]);
  }
  for (const [subscriber, batches] of bySubscriber) {
    for (const events of replayChunks(batches)) counts.resent += rpcValueOrThrow(await ledger.replay({ subscriber, events })).queued;
  }

  if (drops.length > 0)
    await countClickDrops(
      db,
      drops.map((d) => d.drop),
      now,
    );
  // The same line as the packer's drops: summed over every Worker log, it is the loss metric.
  for (const { eventId, drop } of drops) log.error("clicks dropped", { eventId, ...drop });
  if (done.length > 0) await spool.delete(done);
  return counts;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function add(into: ClickSpoolRunCounts, counts: ClickSpoolRunCounts): void {
  for (const name of Object.keys(into) as (keyof ClickSpoolRunCounts)[]) into[name] += counts[name];
}

/**
 * One cron run: lists the spool after the saved cursor (keys sort by time, so oldest first) and
 * checks up to `pages` pages of `pageSize` batches older than the grace period. The cursor is saved
 * after every page, so a crash re-checks at most that page; at the first batch still within the
 * grace period (or the spool's end) the sweep is over and the next run starts from the oldest
 * again. A run whose cursor moved under it (an overlapping run) stops.
 */
export async function reconcileClickSpool(
  spool: ClickSpool,
  db: Database,
  ledger: ReconcilerLedger,
  now: Date,
  options: ClickReconcileOptions,
): Promise<ClickReconcileRun> {
  const state = await stateOf(db);
  const dueBefore = now.getTime() - options.graceSeconds * 1000;
  const budget = options.pages * options.pageSize;
  const run: ClickReconcileRun = { ...emptyCounts(), pages: 0, cursor: state.cursor, sweptToEnd: false };
  try {
    let moved = false;
    // Lists are bounded too (a spool of keys it never writes would otherwise be walked whole).
    let lists = 0;
    while (run.checked < budget && run.pages < options.pages && lists <= options.pages && !run.sweptToEnd && !moved) {
      lists++;
      const listing = await spool.list({
        prefix: SPOOL_PREFIX,
        limit: Math.min(MAX_LIST, budget - run.checked),
        include: ["customMetadata"],
        ...(run.cursor ? { startAfter: run.cursor } : {}),
      });
      run.seen += listing.objects.length;
      const due: SpooledEntry[] = [];
      let young = false;
      let skipped: string | null = null;
      for (const object of listing.objects) {
        const batch = spooledBatchOf(object.key);
        if (!batch) {
          log.warn("unexpected key in the click spool; left alone", { key: object.key });
          skipped = object.key;
          continue;
        }
        if (batch.at > dueBefore) {
          young = true;
          break;
        }
        due.push({ key: object.key, id: batch.id, at: batch.at, counts: countsOrZero(object.customMetadata, batch.at) });
      }
      let checked = 0;
      while (checked < due.length && run.pages < options.pages && !moved) {
        const page = due.slice(checked, checked + options.pageSize);
        checked += page.length;
        const counts = await checkPage(spool, db, ledger, page, now, options);
        run.pages++;
        const next = page.at(-1)?.key ?? run.cursor;
        moved = !(await savePage(db, run.cursor, next, counts, false));
        add(run, { ...counts, seen: 0 });
        run.cursor = next;
      }
      // Out of pages (or overtaken) before the listing's end: the next run goes on from the cursor.
      if (moved || checked < due.length) break;
      if (due.length === 0 && skipped && !young && run.cursor !== skipped) {
        // A page of keys the spool never writes only: step over them.
        moved = !(await savePage(db, run.cursor, skipped, emptyCounts(), false));
        run.cursor = skipped;
      }
      if (young || !listing.truncated || listing.objects.length === 0) {
        moved = moved || !(await savePage(db, run.cursor, null, emptyCounts(), true));
        run.cursor = null;
        run.sweptToEnd = true;
      }
    }
    if (moved) log.warn("click reconciliation cursor moved under this run; another run continues", { cursor: run.cursor });
    await saveRun(db, run, now, null);
    log.info("click reconciliation run", { ...run });
    return run;
  } catch (error) {
    log.error("click reconciliation run failed", { ...run, error: errorMessage(error) });
    await saveRun(db, run, now, errorMessage(error).slice(0, 500));
    throw error;
  }
}
