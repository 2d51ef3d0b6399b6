// Redirects from the KV read model (src/redirect/slug-lookup.ts): the isolate cache, then KV, then
// the primary only for a slug KV names no link for. Time is the redirect cache's injected clock,
// moved by hand; KV's propagation across locations is simulated by read-model-support.ts.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { redirectKey } from "#contracts/redirects/redirect-record";
import { linksDb } from "../src/db";
import { KV_CACHE_TTL_SECONDS, KV_PROPAGATION_MS } from "../src/redirect/read-model";
import {
  ENTRY_TTL_MS,
  NEGATIVE_TTL_MS,
  PRIMARY_LOOKUPS_PER_SECOND,
  REDIRECT_STALENESS_BOUND_MS,
  RedirectCache,
  redirectCache,
} from "../src/redirect/redirect-cache";
import { findLinkBySlug, type RedirectSources } from "../src/redirect/slug-lookup";
import worker from "../src/index";
import { BASE, api, createLink, createTeam, expectError, json, receivedClickBatches, receivedEvents, unique, waitForClicks, type TestTeam } from "./helpers";
import { KvPropagation, linkEvents, project } from "./read-model-support";

let clock = 0;

beforeEach(() => {
  clock = Date.now();
  redirectCache.reset();
  redirectCache.useClock(() => clock);
});

afterEach(() => {
  redirectCache.reset();
  redirectCache.useClock(Date.now);
});

const fastClicks = { ...env, CLICK_BATCH_WINDOW_MS: "20" };

async function visit(slug: string): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}/${slug}`, { redirect: "manual" }), fastClicks, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function locationOf(slug: string): Promise<string | null> {
  const res = await visit(slug);
  expect(res.status).toBe(302);
  return res.headers.get("location");
}

let shared: TestTeam | undefined;
async function team(): Promise<TestTeam> {
  shared ??= await createTeam("Read model", "pro");
  return shared;
}

describe("redirects read the KV read model", () => {
  it("a slug the read model names redirects without the links database (its row is gone there)", async () => {
    const link = await createLink(await team(), { url: "https://example.com/from-kv" });
    await project(await linkEvents(link.id));
    await env.LINKS_DB.prepare("DELETE FROM links WHERE id = ?").bind(link.id).run();
    expect(await locationOf(link.slug)).toBe("https://example.com/from-kv");
  });

  it("a deleted link answers 410 from the read model, whatever the links database says", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/deleted" });
    expect((await api(`/v1/links/${link.id}`, { method: "DELETE", headers: t.auth })).status).toBe(204);
    await project(await linkEvents(link.id));
    await env.LINKS_DB.prepare("UPDATE links SET deleted_at = NULL WHERE id = ?").bind(link.id).run();
    await expectError(await visit(link.slug), 410, "gone");
  });

  it("a link the read model does not know yet redirects from the primary the moment its 201 is sent", async () => {
    const link = await createLink(await team(), { url: "https://example.com/brand-new" });
    expect(await env.REDIRECTS.get(redirectKey(link.slug))).toBeNull();
    expect(await locationOf(link.slug)).toBe("https://example.com/brand-new");
  });

  it("a slug another link moved away from and a new link took since: the new link, from the primary", async () => {
    const t = await team();
    const first = await createLink(t, { url: "https://example.com/first" });
    expect((await api(`/v1/links/${first.id}`, { ...json({ slug: unique("away") }, t.auth), method: "PATCH" })).status).toBe(200);
    await project(await linkEvents(first.id));
    await createLink(t, { url: "https://example.com/second", slug: first.slug });
    expect(await locationOf(first.slug)).toBe("https://example.com/second");
  });

  it("a record it cannot read is logged and the primary answers", async () => {
    const link = await createLink(await team(), { url: "https://example.com/unreadable" });
    await env.REDIRECTS.put(redirectKey(link.slug), JSON.stringify({ v: 99, current: "?" }));
    expect(await locationOf(link.slug)).toBe("https://example.com/unreadable");
  });

  it("slugs the read model does not know spend the isolate's primary budget; past it they answer 404 until the next second", async () => {
    const link = await createLink(await team(), { url: "https://example.com/after-the-flood" });
    for (let i = 0; i < PRIMARY_LOOKUPS_PER_SECOND; i++) await expectError(await visit(unique("made-up")), 404, "not_found");
    await expectError(await visit(link.slug), 404, "not_found");
    clock += 1_000 + NEGATIVE_TTL_MS;
    expect(await locationOf(link.slug)).toBe("https://example.com/after-the-flood");
  });

  it("an expired link answers 410 from the isolate's cache: expiry is judged per request", async () => {
    const link = await createLink(await team(), { url: "https://example.com/soon", expiresAt: new Date(clock + 3_000).toISOString() });
    await project(await linkEvents(link.id));
    expect(await locationOf(link.slug)).toBe("https://example.com/soon");
    clock += 3_000; // the cached entry is still fresh: it answers, and it has expired
    await expectError(await visit(link.slug), 410, "gone");
  });

  it("links the read model names never spend the budget", async () => {
    const t = await team();
    const known = await createLink(t, { url: "https://example.com/known" });
    await project(await linkEvents(known.id));
    for (let i = 0; i < PRIMARY_LOOKUPS_PER_SECOND * 2; i++) {
      redirectCache.reset(); // a cold isolate every time: KV answers, the budget is untouched
      expect(await locationOf(known.slug)).toBe("https://example.com/known");
    }
    const fresh = await createLink(t, { url: "https://example.com/fresh" });
    expect(await locationOf(fresh.slug)).toBe("https://example.com/fresh");
  });
});

describe('UTM fields on the redirect (README "Link controls")', () => {
  it("are added to the destination, from the primary and from the read model alike; the destination's own and the request's query are kept", async () => {
    const t = await team();
    const link = await createLink(t, {
      url: "https://example.com/utm?utm_source=site#frag",
      utm: { source: "link", medium: "email", campaign: "winter sale" },
    });
    const expected = "https://example.com/utm?utm_source=site&utm_medium=email&utm_campaign=winter+sale&ref=x#frag";
    const viaPrimary = await visit(`${link.slug}?ref=x`);
    expect(viaPrimary.headers.get("location")).toBe(expected);
    await project(await linkEvents(link.id));
    redirectCache.reset();
    await env.LINKS_DB.prepare("UPDATE links SET utm = NULL WHERE id = ?").bind(link.id).run(); // KV answers now, not the row
    expect((await visit(`${link.slug}?ref=x`)).headers.get("location")).toBe(expected);
    expect((await visit(`${link.slug}?ref=x`)).headers.get("location")).toBe(expected); // the fast path (cached) too
  });

  it("leave a link without them as it was", async () => {
    const link = await createLink(await team(), { url: "https://example.com/plain" });
    expect(await locationOf(link.slug)).toBe("https://example.com/plain");
  });
});

describe('expiredUrl on the redirect (README "Link controls")', () => {
  it("an expired link sends people to its expiredUrl instead of 410, without counting a click; from the read model too", async () => {
    const t = await team();
    const link = await createLink(t, {
      url: "https://example.com/offer",
      expiresAt: new Date(clock + 60_000).toISOString(),
      expiredUrl: "https://example.com/offer-over",
    });
    clock += 60_000;
    const res = await visit(link.slug);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://example.com/offer-over");
    await project(await linkEvents(link.id));
    redirectCache.reset();
    await env.LINKS_DB.prepare("UPDATE links SET expired_url = NULL WHERE id = ?").bind(link.id).run(); // KV answers now
    expect((await visit(link.slug)).headers.get("location")).toBe("https://example.com/offer-over");
    // A click sent after both: once it is recorded, any click of the expired link would be too.
    const sentinel = await createLink(t, { url: "https://example.com/sentinel" });
    await visit(sentinel.slug);
    await waitForClicks((c) => c.linkId === sentinel.id);
    expect((await receivedClickBatches()).flatMap((b) => b.data.links).filter((l) => l.linkId === link.id)).toEqual([]);
  });

  it("a deleted link answers 410 even with an expiredUrl; an expired one without it, 410 too", async () => {
    const t = await team();
    const deleted = await createLink(t, { url: "https://example.com/gone", expiredUrl: "https://example.com/elsewhere" });
    expect((await api(`/v1/links/${deleted.id}`, { method: "DELETE", headers: t.auth })).status).toBe(204);
    await expectError(await visit(deleted.slug), 410, "gone");
    const expired = await createLink(t, { url: "https://example.com/old", expiresAt: new Date(clock + 1_000).toISOString() });
    clock += 1_000;
    await expectError(await visit(expired.slug), 410, "gone");
  });
});

describe("how fresh a redirect is: the stated bounds, KV's propagation simulated", () => {
  /** KV as the documentation describes it: a location caches a read for cacheTtl, a write reaches every location within 60 s. */
  function world() {
    const kv = new KvPropagation(() => clock, KV_PROPAGATION_MS - KV_CACHE_TTL_SECONDS * 1000, KV_CACHE_TTL_SECONDS * 1000);
    const primary = () => linksDb(env.LINKS_DB);
    /** An isolate in some location: its own cache, its location's view of KV. */
    const isolate = () => {
      const cache = new RedirectCache(() => clock);
      const sources: RedirectSources = { store: kv.location(), primary };
      return (slug: string) => findLinkBySlug(sources, slug, cache);
    };
    return { kv, isolate };
  }

  /** Reads through every isolate every 5 s from now until `until`; answers what each saw when. */
  async function watch(isolates: ((slug: string) => Promise<unknown>)[], slug: string, until: number, seen: (link: unknown) => string) {
    const timeline: { at: number; answers: string[] }[] = [];
    for (; clock <= until; clock += 5_000) timeline.push({ at: clock, answers: await Promise.all(isolates.map(async (read) => seen(await read(slug)))) });
    return timeline;
  }

  it("an update reaches every isolate within REDIRECT_STALENESS_BOUND_MS of the projection's write, and never goes back", async () => {
    const t = await team();
    const { kv, isolate } = world();
    const link = await createLink(t, { url: "https://example.com/v1" });
    await project(await linkEvents(link.id), (k, v) => kv.put(k, v));
    clock += KV_PROPAGATION_MS;
    const isolates = [isolate(), isolate(), isolate()];
    for (const read of isolates) expect(await read(link.slug)).toMatchObject({ url: "https://example.com/v1" });

    expect((await api(`/v1/links/${link.id}`, { ...json({ url: "https://example.com/v2" }, t.auth), method: "PATCH" })).status).toBe(200);
    await project(await linkEvents(link.id), (k, v) => kv.put(k, v));
    const writtenAt = clock;
    const urlOf = (l: unknown) => (l as { url?: string } | null)?.url ?? "none";
    const timeline = await watch(isolates, link.slug, writtenAt + REDIRECT_STALENESS_BOUND_MS, urlOf);

    // Stale at first (the delay is real: this test could fail the other way) ...
    expect(timeline[0]?.answers).toEqual(["https://example.com/v1", "https://example.com/v1", "https://example.com/v1"]);
    // ... new everywhere by the bound ...
    expect(timeline.at(-1)?.at).toBe(writtenAt + REDIRECT_STALENESS_BOUND_MS);
    expect(timeline.at(-1)?.answers).toEqual(["https://example.com/v2", "https://example.com/v2", "https://example.com/v2"]);
    // ... and no isolate goes back to the old url once it has seen the new one.
    for (let i = 0; i < isolates.length; i++) {
      const answers = timeline.map((step) => step.answers[i]);
      const first = answers.indexOf("https://example.com/v2");
      expect(answers.slice(first).every((a) => a === "https://example.com/v2")).toBe(true);
    }
  });

  it("a delete answers 410 in every isolate within the bound", async () => {
    const t = await team();
    const { kv, isolate } = world();
    const link = await createLink(t, { url: "https://example.com/doomed" });
    await project(await linkEvents(link.id), (k, v) => kv.put(k, v));
    clock += KV_PROPAGATION_MS;
    const isolates = [isolate(), isolate()];
    for (const read of isolates) await read(link.slug);

    expect((await api(`/v1/links/${link.id}`, { method: "DELETE", headers: t.auth })).status).toBe(204);
    await project(await linkEvents(link.id), (k, v) => kv.put(k, v));
    const deletedOf = (l: unknown) => ((l as { deletedAt?: string | null } | null)?.deletedAt ? "deleted" : "live");
    const timeline = await watch(isolates, link.slug, clock + REDIRECT_STALENESS_BOUND_MS, deletedOf);
    expect(timeline[0]?.answers).toEqual(["live", "live"]);
    expect(timeline.at(-1)?.answers).toEqual(["deleted", "deleted"]);
  });

  it("a new link answers at once in an isolate that never tried its slug, and within NEGATIVE_TTL_MS in one that just did", async () => {
    const t = await team();
    const { isolate } = world();
    const slug = unique("soon");
    const tried = isolate();
    expect(await tried(slug)).toBeNull(); // KV's location now caches "no record" for 30 s, the isolate "no link" for 2 s
    await createLink(t, { url: "https://example.com/soon", slug });
    expect(await isolate()(slug)).toMatchObject({ url: "https://example.com/soon" });
    expect(await tried(slug)).toBeNull();
    clock += NEGATIVE_TTL_MS;
    expect(await tried(slug)).toMatchObject({ url: "https://example.com/soon" });
  });

  it("the bound is KV's propagation plus the isolate's cache", () => {
    expect(REDIRECT_STALENESS_BOUND_MS).toBe(KV_PROPAGATION_MS + ENTRY_TTL_MS);
    expect(REDIRECT_STALENESS_BOUND_MS).toBe(70_000);
  });
});

describe("clicks sent in batches", () => {
  it("150 concurrent redirects put 150 clicks on the click topic, each once, in a few batches", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/popular" });
    await visit(link.slug);
    await visit(link.slug); // two clicks, the second from the cache
    const answers = await Promise.all(Array.from({ length: 150 }, () => visit(link.slug)));
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 302));
    const clicks = await waitForClicks((c) => c.linkId === link.id, 152);
    expect(clicks).toHaveLength(152);
    expect(new Set(clicks.map((c) => c.eventId)).size).toBe(152);
    // The concurrent ones share batches: far fewer queue messages than clicks.
    expect(new Set(clicks.map((c) => c.batchId)).size).toBeLessThanOrEqual(10);
    expect((await receivedEvents()).filter((e) => e.type === "LinkClicked" && e.subject === link.id)).toEqual([]);
  });
});
