// The redirect cache's own rules, with a clock moved by hand (no waiting, no timing).
import { describe, expect, it } from "vitest";
import { ENTRY_TTL_MS, RedirectCache, STALENESS_BOUND_MS, type CachedLink } from "../src/redirect/redirect-cache";
import { TtlLru } from "../src/redirect/ttl-lru";

function link(id: string, slug: string): CachedLink {
  return { id, teamId: "team_1", slug, url: `https://example.com/${slug}`, expiresAt: null, deletedAt: null };
}

/** A cache whose first sync has completed at t = 0. */
function trustedCache(): { cache: RedirectCache; at: (ms: number) => void } {
  let now = 0;
  const cache = new RedirectCache(() => now);
  expect(cache.claimSync()).toBe(true);
  cache.restartFrom(0, 0);
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
  it("answers nothing until a first sync has completed", () => {
    const cache = new RedirectCache(() => 0);
    cache.store("a", link("lnk_a", "a"), cache.generation());
    expect(cache.get("a")).toBeUndefined();
    expect(cache.claimSync()).toBe(true);
    cache.restartFrom(0, 0);
    cache.store("a", link("lnk_a", "a"), cache.generation());
    expect(cache.get("a")).toEqual(link("lnk_a", "a"));
  });

  it("stops answering once the last completed sync started more than the bound ago", () => {
    const { cache, at } = trustedCache();
    cache.store("a", link("lnk_a", "a"), cache.generation());
    cache.store("gone", null, cache.generation());
    at(STALENESS_BOUND_MS);
    expect(cache.get("a")?.id).toBe("lnk_a");
    expect(cache.get("gone")).toBeNull();
    at(STALENESS_BOUND_MS + 1);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("gone")).toBeUndefined();
  });

  it("caps every entry's age, syncs or not", () => {
    const { cache, at } = trustedCache();
    cache.store("a", link("lnk_a", "a"), cache.generation());
    at(ENTRY_TTL_MS);
    expect(cache.claimSync()).toBe(true);
    cache.syncDone(0, ENTRY_TTL_MS);
    expect(cache.get("a")).toBeUndefined();
  });

  it("does not store what a lookup read if anything was invalidated while it ran", () => {
    const { cache } = trustedCache();
    const before = cache.generation();
    cache.forget({ slugs: ["other"] });
    cache.store("a", link("lnk_a", "a"), before);
    expect(cache.get("a")).toBeUndefined();
  });

  it("forgets a link by id under whatever slug it was cached, and only that link", () => {
    const { cache } = trustedCache();
    cache.store("old-slug", link("lnk_a", "old-slug"), cache.generation());
    cache.store("b", link("lnk_b", "b"), cache.generation());
    cache.forget({ linkIds: ["lnk_a"] });
    expect(cache.get("old-slug")).toBeUndefined();
    expect(cache.get("b")?.id).toBe("lnk_b");
  });

  it("runs one sync at a time, at most once per interval", () => {
    const { cache, at } = trustedCache();
    at(1_000);
    expect(cache.claimSync()).toBe(true);
    expect(cache.claimSync()).toBe(false); // still running
    cache.syncFailed();
    expect(cache.claimSync()).toBe(false); // failed, but the interval has not passed
    at(2_000);
    expect(cache.claimSync()).toBe(true);
  });
});
