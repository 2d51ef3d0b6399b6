import type { RedirectLink } from "#contracts/redirects/redirect-record";
import { KV_PROPAGATION_MS } from "./read-model";
import { TtlLru } from "./ttl-lru";

/** What a redirect needs of a link (the read model's record); expiry is judged at request time from `expiresAt`. */
export type CachedLink = RedirectLink;

/**
 * How long an isolate keeps what it read (a link, or "no such link"). Part of the staleness bound
 * (README "How fresh a redirect is"): a change reaches an isolate at most this long after it reached
 * the KV location the isolate reads from. Short, because a KV read at the edge is cheap; long enough
 * that a busy isolate reads each hot slug from KV a few times a minute, not on every click.
 */
export const ENTRY_TTL_MS = 10_000;
/**
 * "No such link" is kept for less: a link created elsewhere a moment after someone tried its slug
 * here answers 302 within this, even in the isolate that saw the 404.
 */
export const NEGATIVE_TTL_MS = 2_000;
/**
 * The promise (README "How fresh a redirect is"): once the redirects projection has written a
 * change, every isolate everywhere redirects the new way within this (KV's propagation, then the
 * isolate's cache). From the API's answer, add the projection's lag (normally about 2 s: its queue
 * batches for at most 1 s).
 */
export const REDIRECT_STALENESS_BOUND_MS = KV_PROPAGATION_MS + ENTRY_TTL_MS;
/** ~200 bytes an entry: the whole working set of a busy short domain in a few MB. */
export const CAPACITY = 50_000;

/**
 * Lookups of the links database one isolate may make per second for slugs the read model does not
 * know (a link created seconds ago, or a slug that never existed). A flood of made-up slugs costs the
 * primary at most this per isolate; past it such slugs answer 404 until the budget refills.
 */
export const PRIMARY_LOOKUPS_PER_SECOND = 20;

/**
 * How this isolate answered its slug lookups since the counts were last taken: production telemetry
 * (the isolate's "clicks sent" log line carries them, click-batch.ts), and how the bench counts
 * primary queries per redirect. Each lookup counts once, where it was settled:
 * - `cache`: the isolate's cache answered (a link, or "no such link");
 * - `kv`: the read model was read (a cache miss); KV named the link itself `kv - primary - refused` times;
 * - `primary`: KV named no link, and the links database's primary was asked;
 * - `refused`: KV named no link and the isolate's primary budget was spent (answered 404).
 */
export interface LookupCounts {
  cache: number;
  kv: number;
  primary: number;
  refused: number;
}

const noLookups = (): LookupCounts => ({ cache: 0, kv: 0, primary: 0, refused: 0 });

/**
 * The in-isolate slug → link cache in front of the read model, with negative entries (null) for
 * unknown slugs, and the isolate's budget of primary lookups. The clock is injected so tests can
 * move time without waiting.
 */
export class RedirectCache {
  #now: () => number;
  readonly #entries = new TtlLru<CachedLink | null>(CAPACITY);
  #budget = PRIMARY_LOOKUPS_PER_SECOND;
  #budgetAt = Number.NEGATIVE_INFINITY;
  #lookups = noLookups();

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

  /** Forgets everything (for tests and for a fresh start). */
  reset(): void {
    this.#entries.clear();
    this.#budget = PRIMARY_LOOKUPS_PER_SECOND;
    this.#budgetAt = Number.NEGATIVE_INFINITY;
    this.#lookups = noLookups();
  }

  /** The cached answer: a link, null for "no such slug", undefined when the read model must be asked. */
  get(slug: string): CachedLink | null | undefined {
    return this.#entries.get(slug, this.#now());
  }

  store(slug: string, link: CachedLink | null): void {
    this.#entries.set(slug, link, this.#now() + (link ? ENTRY_TTL_MS : NEGATIVE_TTL_MS));
  }

  /**
   * Takes one primary lookup from the isolate's budget (a token bucket refilled every second); false
   * when spent. Counted either way (`primary` or `refused`): the caller asks the primary exactly when true.
   */
  takePrimaryLookup(): boolean {
    const now = this.#now();
    if (now - this.#budgetAt >= 1_000) {
      this.#budget = PRIMARY_LOOKUPS_PER_SECOND;
      this.#budgetAt = now;
    }
    if (this.#budget <= 0) {
      this.#lookups.refused++;
      return false;
    }
    this.#budget--;
    this.#lookups.primary++;
    return true;
  }

  /**
   * Counts a lookup the cache settled (`cache`) or that went on to the read model (`kv`). Counted by
   * the caller, not by get(): the fast path and the routed path may both get() one request's slug.
   */
  countLookup(source: "cache" | "kv"): void {
    this.#lookups[source]++;
  }

  /** The lookups counted since the last take, and a fresh count from zero. */
  takeLookupCounts(): LookupCounts {
    const taken = this.#lookups;
    this.#lookups = noLookups();
    return taken;
  }
}

/** The isolate's one cache: module state lives as long as the isolate. */
export const redirectCache = new RedirectCache();
