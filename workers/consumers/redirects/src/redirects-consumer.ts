import { applySlugChanges, sameRecord, slugChangesOf, type SlugChange } from "#contracts/redirects/redirect-record";
import type { LinkEvent } from "#events";
import type { ConsumerSpec, PerformBatchResult } from "../../../shared/consumer/consumer-spec";
import { errorMessage } from "../../../shared/log";
import { putRecord, storedRecord } from "./redirect-store";

/** What an event says about each slug it touches. */
function changesOf(event: LinkEvent): SlugChange[] {
  switch (event.type) {
    case "LinkCreated":
    case "LinkUpdated":
    case "LinkDeleted":
      return slugChangesOf(event);
    case "LinkClicked":
    case "ClicksRecorded":
      // Not subscribed (contracts/fanout/subscriptions.ts); a stray one is delivered and ignored.
      return [];
  }
}

/** One slug's share of a batch: every change to it, by the event that says it. */
interface SlugWork {
  slug: string;
  byEvent: Map<string, SlugChange[]>;
}

type SlugOutcome = { ok: true; duplicates: string[] } | { ok: false; error: string };

/**
 * One KV read, the merge of every change, and one put only when the record changed. An event is
 * a duplicate at this slug when its own changes alone would leave the stored record as it is (a
 * redelivery, or an older version arriving after a newer one).
 */
async function applyToSlug(work: SlugWork, env: RedirectsEnv): Promise<SlugOutcome> {
  try {
    const stored = await storedRecord(env.REDIRECTS, work.slug);
    const merged = applySlugChanges(stored, [...work.byEvent.values()].flat());
    if (!sameRecord(stored, merged)) await putRecord(env.REDIRECTS, work.slug, merged);
    const duplicates = [...work.byEvent].filter(([, changes]) => sameRecord(stored, applySlugChanges(stored, changes))).map(([eventId]) => eventId);
    return { ok: true, duplicates };
  } catch (error) {
    return { ok: false, error: `slug ${JSON.stringify(work.slug)}: ${errorMessage(error)}` };
  }
}

/** Slugs are worked on this many at a time (KV calls of one invocation run concurrently). */
const PARALLEL_SLUGS = 6;

async function mapPooled<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/**
 * The batch grouped by slug, so a slug several events touch is read and written once. A slug that
 * fails (KV error, a stored value that is no record) fails exactly the events touching it; the
 * toolkit retries them, and the slugs that succeeded are no-ops then. An event is reported a
 * duplicate when it changed none of its slugs.
 */
async function performBatch(events: LinkEvent[], env: RedirectsEnv): Promise<PerformBatchResult> {
  const slugs = new Map<string, SlugWork>();
  const slugsOfEvent = new Map<string, string[]>();
  for (const event of events) {
    const changes = changesOf(event);
    slugsOfEvent.set(event.id, [...new Set(changes.map((c) => c.slug))]);
    for (const change of changes) {
      const work = slugs.get(change.slug) ?? { slug: change.slug, byEvent: new Map<string, SlugChange[]>() };
      slugs.set(change.slug, work);
      work.byEvent.set(event.id, [...(work.byEvent.get(event.id) ?? []), change]);
    }
  }

  const works = [...slugs.values()];
  const outcomes = new Map<string, SlugOutcome>();
  const done = await mapPooled(works, PARALLEL_SLUGS, (work) => applyToSlug(work, env));
  works.forEach((work, i) => outcomes.set(work.slug, done[i] as SlugOutcome));

  const result: PerformBatchResult = { failed: [], duplicates: [] };
  for (const event of events) {
    const touched = slugsOfEvent.get(event.id) ?? [];
    // A click touches no slug: done, with no effect (not a duplicate: there was nothing to repeat).
    if (touched.length === 0) continue;
    const errors: string[] = [];
    let duplicate = true;
    for (const slug of touched) {
      const outcome = outcomes.get(slug);
      if (!outcome) continue;
      if (!outcome.ok) errors.push(outcome.error);
      else if (!outcome.duplicates.includes(event.id)) duplicate = false;
    }
    if (errors.length > 0) result.failed.push({ eventId: event.id, error: errors.join("; ") });
    else if (duplicate) result.duplicates?.push(event.id);
  }
  return result;
}

/**
 * No D1 and no receipts: the per-slug merge (contracts/redirects/redirect-record.ts) is idempotent
 * and order-insensitive by itself, and a redelivered event costs one KV read and no write.
 */
export const redirectsConsumer: ConsumerSpec<RedirectsEnv> = {
  subscriber: "redirects",
  reports: (env) => env.DELIVERY_REPORTS,
  performBatch,
  retry: { baseSeconds: 5, capSeconds: 600 },
};
