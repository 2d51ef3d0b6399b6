// The redirect cache's own rules, with a clock moved by hand (no waiting, no timing).
import { describe, expect, it } from "vitest";
import { ENTRY_TTL_MS, NEGATIVE_TTL_MS, PRIMARY_LOOKUPS_PER_SECOND, RedirectCache, type CachedLink } from "../src/redirect/redirect-cache";
import { findLinkBySlug, type RedirectSources } from "../src/redirect/slug-lookup";
import { TtlLru } from "../src/redirect/ttl-lru";
import type { Database } from "../src/db";

function link(id: string, slug: string): CachedLink {
  return { id, teamId: "team_1", slug, url: `https://example.com/${slug}`, expiresAt: null, deletedAt: null };
}

function clockedCache(): { cache: RedirectCache; at: (ms: number) => void } {
  let now = 0;
  const cache = new RedirectCache(() => now);
  return { cache, at: (ms) => (now = ms) };
}

describe("TtlLru", () => {
  it("evicts the least recently used entry past its capacity, and tells who left", () => {
    const left: string[] = [];
    const lru = new TtlLru<number>(2, (key) => left.push(key));
    lru.set("a", 1, 100);
    lru.set("b", 2, 100);
    expect(lru.get("a", 0)).toBe(1); // a is now the most recent
    lru.set("c", 3, 100);
    expect(left).toEqual(["b"]);
    expect([lru.get("a", 0), lru.get("b", 0), lru.get("c", 0)]).toEqual([1, undefined, 3]);
  });

  it("forgets an entry once its time is up", () => {
    const lru = new TtlLru<string>(10);
    lru.set("a", "x", 50);
    expect(lru.get("a", 49)).toBe("x");
    expect(lru.get("a", 50)).toBeUndefined();
    expect(lru.size).toBe(0);
  });
});

describe("RedirectCache", () => {
  it("keeps a link for ENTRY_TTL_MS, then asks again", () => {
    const { cache, at } = clockedCache();
    cache.store("a", link("lnk_a", "a"));
    at(ENTRY_TTL_MS - 1);
    expect(cache.get("a")?.id).toBe("lnk_a");
    at(ENTRY_TTL_MS);
    expect(cache.get("a")).toBeUndefined();
  });

  it('keeps "no such link" for the shorter NEGATIVE_TTL_MS', () => {
    const { cache, at } = clockedCache();
    expect(NEGATIVE_TTL_MS).toBeLessThan(ENTRY_TTL_MS);
    cache.store("nope", null);
    at(NEGATIVE_TTL_MS - 1);
    expect(cache.get("nope")).toBeNull();
    at(NEGATIVE_TTL_MS);
    expect(cache.get("nope")).toBeUndefined();
  });

  it("allows PRIMARY_LOOKUPS_PER_SECOND primary lookups a second, then none until the second is over", () => {
    const { cache, at } = clockedCache();
    at(1_000);
    const granted = Array.from({ length: PRIMARY_LOOKUPS_PER_SECOND + 5 }, () => cache.takePrimaryLookup());
    expect(granted.filter(Boolean)).toHaveLength(PRIMARY_LOOKUPS_PER_SECOND);
    expect(granted.slice(PRIMARY_LOOKUPS_PER_SECOND)).toEqual([false, false, false, false, false]);
    at(1_999);
    expect(cache.takePrimaryLookup()).toBe(false);
    at(2_000);
    expect(cache.takePrimaryLookup()).toBe(true);
  });

  it("reset() forgets entries and renews the budget", () => {
    const { cache } = clockedCache();
    cache.store("a", link("lnk_a", "a"));
    while (cache.takePrimaryLookup());
    cache.reset();
    expect(cache.get("a")).toBeUndefined();
    expect(cache.takePrimaryLookup()).toBe(true);
  });
});

describe("RedirectCache lookup counts (the telemetry the clicks-sent line carries)", () => {
  const LINK = { ...link("lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC", "known"), teamId: "team_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC" };
  const record = { v: 1, current: LINK, holders: {} };

  /** KV with one record (slug "known"), and a primary that counts its queries and has no rows. */
  function sources(): RedirectSources & { primaryQueries: () => number; kvReads: () => number } {
    let queries = 0;
    let reads = 0;
    const none = { from: () => none, where: () => none, get: () => Promise.resolve(undefined) };
    const db = {
      select: () => {
        queries++;
        return none;
      },
    } as unknown as Database;
    return {
      store: {
        read: (key) => {
          reads++;
          return Promise.resolve(key === "slug:known" ? record : null);
        },
      },
      primary: () => db,
      primaryQueries: () => queries,
      kvReads: () => reads,
    };
  }

  it("counts each lookup once where it was settled, and take restarts the count", async () => {
    const { cache } = clockedCache();
    const src = sources();
    expect(await findLinkBySlug(src, "known", cache)).toEqual(LINK); // KV names it
    expect(await findLinkBySlug(src, "known", cache)).toEqual(LINK); // the cache has it
    expect(await findLinkBySlug(src, "unknown", cache)).toBeNull(); // KV names none: the primary
    expect(await findLinkBySlug(src, "unknown", cache)).toBeNull(); // "no such link" cached
    expect(cache.takeLookupCounts()).toEqual({ cache: 2, kv: 2, primary: 1, refused: 0 });
    expect([src.kvReads(), src.primaryQueries()]).toEqual([2, 1]);
    expect(cache.takeLookupCounts()).toEqual({ cache: 0, kv: 0, primary: 0, refused: 0 });
  });

  it("counts a primary lookup the budget refused as refused, with no query made", async () => {
    const { cache } = clockedCache();
    const src = sources();
    while (cache.takePrimaryLookup());
    cache.takeLookupCounts();
    expect(await findLinkBySlug(src, "other", cache)).toBeNull();
    expect(cache.takeLookupCounts()).toEqual({ cache: 0, kv: 1, primary: 0, refused: 1 });
    expect(src.primaryQueries()).toBe(0);
  });

  it("counts what the fast path answers from the cache (countLookup), and reset() clears the counts", () => {
    const { cache } = clockedCache();
    cache.countLookup("cache");
    cache.countLookup("kv");
    expect(cache.takeLookupCounts()).toEqual({ cache: 1, kv: 1, primary: 0, refused: 0 });
    cache.countLookup("cache");
    cache.reset();
    expect(cache.takeLookupCounts()).toEqual({ cache: 0, kv: 0, primary: 0, refused: 0 });
  });
});
