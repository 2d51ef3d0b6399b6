import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { vi } from "vitest";
import { botCountsOf, clickRecordsOf, nthEventIdAfter, type ClicksRecorded, type EventOf, type LinkEvent } from "#events";
import worker from "../src/index";
import { api, BASE, receivedClickBatches } from "./helpers";

/** Hands envelopes to a consumer's real queue, as the fan-out would (the fan-out has no consumers in these tests). */
export async function forward(queue: Queue, events: LinkEvent[]): Promise<void> {
  await queue.sendBatch(events.map((body) => ({ body, contentType: "json" as const })));
}

/** Polls a GET until its JSON answer passes `done` (the consumer processes the queue a moment later). */
export async function waitForJson<T>(path: string, headers: Record<string, string>, done: (body: T) => boolean): Promise<T> {
  return vi.waitUntil(
    async () => {
      const res = await api(path, { headers });
      if (res.status !== 200) return false;
      const body = (await res.json()) as T;
      return done(body) ? body : false;
    },
    { timeout: 5_000, interval: 25 },
  );
}

/** Calls the Worker's fetch handler with the real env but some bindings replaced, and waits for its waitUntil work. */
export async function fetchWithEnv(overrides: Partial<ApiEnv>, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, { redirect: "manual", ...init }), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** A service binding whose every call fails, as when its Worker is down: the only thing these tests fake. */
export function unreachableService<T>(name: string): T {
  const fail = () => Promise.reject(new Error(`${name} is unreachable (injected)`));
  return new Proxy({}, { get: (_, prop) => (prop === "then" ? undefined : fail) }) as T;
}

/**
 * Writes `count` links of a team straight into the links table, created at `createdAt`:
 * a fixture for "the team is at its monthly limit" without a thousand API calls.
 */
export async function seedLinks(teamId: string, count: number, createdAt: string, deletedAt: string | null = null): Promise<void> {
  const tag = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  await env.LINKS_DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
     INSERT INTO links (id, slug, team_id, url, title, tags, expires_at, created_at, updated_at, deleted_at, last_event_id)
     SELECT 'lnk_seed' || ?5 || i, 'seed-' || ?5 || '-' || i, ?1, 'https://example.com/seed/' || i, NULL, '[]', NULL, ?3, ?3, ?4, 'evt_seed' FROM n`,
  )
    .bind(teamId, count, createdAt, deletedAt, tag)
    .run();
}

/**
 * A bridge for consumers that read LinkClicked v1 only (still a valid type, in flight): a
 * ClicksRecorded batch as the LinkClicked events it stands for, one per human click (its derived
 * event id) and one per bot GET or HEAD (bot: true). Once a consumer takes ClicksRecorded itself,
 * forward the batches (receivedClickBatches) instead.
 */
export function asLinkClicked(batch: ClicksRecorded): EventOf<"LinkClicked">[] {
  const humans = clickRecordsOf(batch).map((c): EventOf<"LinkClicked"> => ({
    id: c.eventId,
    type: "LinkClicked",
    version: 1,
    occurredAt: c.occurredAt,
    teamId: c.teamId,
    subject: c.linkId,
    traceId: c.traceId,
    data: {
      linkId: c.linkId,
      slug: c.slug,
      method: "GET",
      country: c.country,
      referrerHost: c.referrerHost,
      userAgent: c.userAgent,
      bot: false,
      visitorHash: c.visitorHash,
    },
  }));
  let n = humans.length;
  const bots = botCountsOf(batch).flatMap((count) =>
    [...Array<"GET">(count.bots).fill("GET"), ...Array<"HEAD">(count.heads).fill("HEAD")].map((method): EventOf<"LinkClicked"> => ({
      id: nthEventIdAfter(batch.id, ++n),
      type: "LinkClicked",
      version: 1,
      occurredAt: batch.data.from,
      teamId: count.teamId,
      subject: count.linkId,
      traceId: batch.traceId,
      data: { linkId: count.linkId, slug: count.slug, method, country: null, referrerHost: null, userAgent: null, bot: true, visitorHash: "0".repeat(32) },
    })),
  );
  return [...humans, ...bots];
}

/** Waits until the click topic has carried `total` clicks (human, bot and HEAD) of a link, as LinkClicked events. */
export async function clicksAsLinkClicked(linkId: string, total: number): Promise<LinkEvent[]> {
  return vi.waitUntil(
    async () => {
      const events = (await receivedClickBatches()).flatMap(asLinkClicked).filter((e) => e.subject === linkId);
      return events.length >= total ? events : false;
    },
    { timeout: 5_000, interval: 25 },
  );
}
