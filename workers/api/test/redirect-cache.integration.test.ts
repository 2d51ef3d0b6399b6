// The redirect cache's promise (src/redirect/redirect-cache.ts): a change made through this
// isolate shows at once; one made by another isolate shows within STALENESS_BOUND_MS. Time is
// the cache's injected clock, moved by hand: nothing here waits or measures time.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eventRow, newEvent } from "../src/outbox/new-event";
import { redirectCache, STALENESS_BOUND_MS, SYNC_INTERVAL_MS } from "../src/redirect/redirect-cache";
import worker from "../src/index";
import { BASE, api, createLink, createTeam, expectError, json, receivedEvents, unique, waitForClicks, type TestTeam } from "./helpers";

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

// The click batch's window is part of the after-response work visit() waits for: short here.
const fastClicks = { ...env, CLICK_BATCH_WINDOW_MS: "20" };

/** GET /:slug through the Worker's own fetch, waiting for its after-response work (the change sync among it). */
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

/** Brings the cache to "trusted": a first sync has run, and the slug's answer is cached. */
async function cached(slug: string): Promise<void> {
  await visit(slug);
  await visit(slug);
}

/**
 * A url change as another isolate makes it: the same two rows link-writes.ts writes in one batch
 * (the link and its LinkUpdated in the outbox), straight to D1, so this isolate's cache is not told.
 */
async function changeUrlElsewhere(team: TestTeam, link: { id: string; slug: string }, url: string): Promise<void> {
  const at = new Date().toISOString();
  const row = await env.LINKS_DB.prepare("SELECT * FROM links WHERE id = ?").bind(link.id).first<Record<string, unknown>>();
  expect(row).not.toBeNull();
  const event = newEvent(
    "LinkUpdated",
    1,
    link.id,
    {
      link: { id: link.id, slug: link.slug, url, title: null, tags: [], expiresAt: null, createdAt: String(row?.["created_at"]), updatedAt: at },
      changed: ["url"],
      previous: { url: String(row?.["url"]) },
    },
    { teamId: team.id, traceId: "0af7651916cd43dd8448eb211c80319c", occurredAt: at },
  );
  const e = eventRow(event);
  await env.LINKS_DB.batch([
    env.LINKS_DB.prepare("UPDATE links SET url = ?, updated_at = ?, last_event_id = ? WHERE id = ?").bind(url, at, event.id, link.id),
    env.LINKS_DB.prepare(
      "INSERT INTO events (id, type, version, team_id, subject, trace_id, occurred_at, envelope, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ).bind(e.id, e.type, e.version, e.teamId, e.subject, e.traceId, e.occurredAt, e.envelope, e.createdAt),
  ]);
}

let shared: TestTeam | undefined;
async function team(): Promise<TestTeam> {
  shared ??= await createTeam("Redirect cache", "pro");
  return shared;
}

describe("redirect cache: changes made by this isolate show at once", () => {
  it("a PATCHed url redirects the new way on the very next request", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/before" });
    await cached(link.slug);
    expect(await locationOf(link.slug)).toBe("https://example.com/before");
    expect((await api(`/v1/links/${link.id}`, { ...json({ url: "https://example.com/after" }, t.auth), method: "PATCH" })).status).toBe(200);
    expect(await locationOf(link.slug)).toBe("https://example.com/after");
  });

  it("a changed slug: the old one answers 404 and the new one redirects, at once", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/moved" });
    const next = unique("moved");
    await cached(link.slug);
    await cached(next); // cached as unknown
    await expectError(await visit(next), 404, "not_found");
    expect((await api(`/v1/links/${link.id}`, { ...json({ slug: next }, t.auth), method: "PATCH" })).status).toBe(200);
    await expectError(await visit(link.slug), 404, "not_found");
    expect(await locationOf(next)).toBe("https://example.com/moved");
  });

  it("a DELETEd link answers 410 on the very next request", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/deleted" });
    await cached(link.slug);
    expect((await api(`/v1/links/${link.id}`, { method: "DELETE", headers: t.auth })).status).toBe(204);
    await expectError(await visit(link.slug), 410, "gone");
  });

  it("a slug tried before its link existed redirects as soon as the link is created", async () => {
    const t = await team();
    const slug = unique("later");
    await cached(slug);
    await expectError(await visit(slug), 404, "not_found");
    await createLink(t, { url: "https://example.com/later", slug });
    expect(await locationOf(slug)).toBe("https://example.com/later");
  });

  it("an expired link answers 410 from the cache: expiry is judged per request", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/soon", expiresAt: new Date(clock + 3_000).toISOString() });
    await cached(link.slug);
    expect(await locationOf(link.slug)).toBe("https://example.com/soon");
    clock += 3_000; // still within the bound of the last sync: the cached entry answers
    await expectError(await visit(link.slug), 410, "gone");
  });
});

describe("redirect cache: changes made by another isolate show within the bound", () => {
  it("keeps the cached answer until the change sync sees the change, then redirects the new way", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/one" });
    await cached(link.slug);
    await changeUrlElsewhere(t, link, "https://example.com/two");
    // Cached, and no sync due yet: the old answer (this is what the cache saves).
    expect(await locationOf(link.slug)).toBe("https://example.com/one");
    clock += SYNC_INTERVAL_MS;
    // This request answers from the cache and starts the sync after its response ...
    expect(await locationOf(link.slug)).toBe("https://example.com/one");
    // ... which dropped the changed link: the next one reads D1.
    expect(await locationOf(link.slug)).toBe("https://example.com/two");
  });

  it("never answers from entries older than the bound, even if no sync could run", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/old" });
    await cached(link.slug);
    await changeUrlElsewhere(t, link, "https://example.com/new");
    clock += STALENESS_BOUND_MS + 1;
    // The last sync is now older than the bound: the cache is not trusted, D1 answers.
    expect(await locationOf(link.slug)).toBe("https://example.com/new");
  });
});

describe("clicks sent in batches", () => {
  it("150 concurrent redirects put 150 clicks on the click topic, each once, in a few batches", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/popular" });
    await cached(link.slug); // two clicks
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
