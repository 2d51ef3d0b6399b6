// The redirect cache's own rules, with a clock moved by hand (no waiting, no timing).
import { describe, expect, it } from "vitest";
import { ENTRY_TTL_MS, NEGATIVE_TTL_MS, PRIMARY_LOOKUPS_PER_SECOND, RedirectCache, type CachedLink } from "../src/redirect/redirect-cache";
import { TtlLru } from "../src/redirect/ttl-lru";

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
