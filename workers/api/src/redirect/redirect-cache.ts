import { TtlLru } from "./ttl-lru";

/** What a redirect needs of a link; expiry is judged at request time from `expiresAt`. */
export interface CachedLink {
  id: string;
  teamId: string;
  slug: string;
  url: string;
  expiresAt: string | null;
  deletedAt: string | null;
}

/**
 * The promise: a redirect answered at time t reflects every link change committed before
 * t - STALENESS_BOUND_MS, whichever isolate made it; a change made by this isolate shows at once.
 * Cached entries are only trusted while the last completed change sync (slug-sync.ts) started
 * within the bound; otherwise lookups go to D1.
 */
export const STALENESS_BOUND_MS = 5_000;
/** How often a busy isolate asks D1 what changed (one small indexed query, off the response path). */
export const SYNC_INTERVAL_MS = 1_000;
/**
 * A cap on any entry's age, behind the sync: a change the sync cannot see (a row edited by hand in
 * the D1 console, with no event) still reaches every isolate within ten minutes. Much shorter, and a
 * busy isolate would read its whole working set from D1 again and again for nothing.
 */
export const ENTRY_TTL_MS = 10 * 60_000;
/** ~200 bytes an entry: the whole working set of a busy short domain in a few MB. */
export const CAPACITY = 50_000;

/**
 * The in-isolate slug → link cache of the redirect hot path, with negative entries (null) for
 * unknown slugs. The clock is injected so tests can move time without waiting.
 */
export class RedirectCache {
  #now: () => number;
  readonly #slugOfLink = new Map<string, string>();
  readonly #entries = new TtlLru<CachedLink | null>(CAPACITY, (slug, link) => {
    if (link && this.#slugOfLink.get(link.id) === slug) this.#slugOfLink.delete(link.id);
  });
  /** Bumped by every invalidation: a lookup that started before one must not store what it read. */
  #generation = 0;
  /** Highest `events` rowid the sync has seen; undefined until the first sync. */
  #watermark: number | undefined;
  /** Clock time at which the last completed sync started: entries reflect every commit before it. */
  #syncedAt: number | undefined;
  #syncStartedAt = Number.NEGATIVE_INFINITY;
  #syncing = false;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  now(): number {
    return this.#now();
  }

  /** For tests: a clock they move by hand. */
  useClock(now: () => number): void {
    this.#now = now;
  }

  /** Forgets everything, including the sync state (for tests and for a fresh start). */
  reset(): void {
    this.#drop();
    this.#watermark = undefined;
    this.#syncedAt = undefined;
    this.#syncStartedAt = Number.NEGATIVE_INFINITY;
    this.#syncing = false;
  }

  /** The cached answer: a link, null for "no such slug", undefined when D1 must be asked. */
  get(slug: string): CachedLink | null | undefined {
    const now = this.#now();
    if (this.#syncedAt === undefined || now - this.#syncedAt > STALENESS_BOUND_MS) return undefined;
    return this.#entries.get(slug, now);
  }

  generation(): number {
    return this.#generation;
  }

  /** Stores what a lookup read, unless something was invalidated since it began (it may be stale). */
  store(slug: string, link: CachedLink | null, generationAtStart: number): void {
    if (generationAtStart !== this.#generation) return;
    this.#entries.set(slug, link, this.#now() + ENTRY_TTL_MS);
    if (link) this.#slugOfLink.set(link.id, slug);
  }

  /** A change to these slugs or links (made here, or seen by the sync): drop what we hold of them. */
  forget({ slugs = [], linkIds = [] }: { slugs?: Iterable<string>; linkIds?: Iterable<string> }): void {
    this.#generation++;
    for (const slug of slugs) this.#entries.delete(slug);
    for (const id of linkIds) {
      const slug = this.#slugOfLink.get(id);
      if (slug !== undefined && this.#entries.peek(slug)?.id === id) this.#entries.delete(slug);
      this.#slugOfLink.delete(id);
    }
  }

  /** True when a sync should start now; the caller then runs it and reports with syncDone/syncFailed. */
  claimSync(): boolean {
    const now = this.#now();
    if (this.#syncing || now - this.#syncStartedAt < SYNC_INTERVAL_MS) return false;
    this.#syncing = true;
    this.#syncStartedAt = now;
    return true;
  }

  watermark(): number | undefined {
    return this.#watermark;
  }

  /** The sync that started at `startedAt` has applied every change up to `watermark`. */
  syncDone(watermark: number, startedAt: number): void {
    this.#watermark = watermark;
    this.#syncedAt = Math.max(this.#syncedAt ?? startedAt, startedAt);
    this.#syncing = false;
  }

  /** The sync could not tell what changed from `watermark` on: nothing held can be vouched for. */
  restartFrom(watermark: number, startedAt: number): void {
    this.#drop();
    this.syncDone(watermark, startedAt);
  }

  syncFailed(): void {
    this.#syncing = false;
  }

  #drop(): void {
    this.#generation++;
    this.#entries.clear();
    this.#slugOfLink.clear();
  }
}

/** The isolate's one cache: module state lives as long as the isolate. */
export const redirectCache = new RedirectCache();
