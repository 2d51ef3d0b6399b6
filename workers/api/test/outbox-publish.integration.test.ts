import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { linksDb } from "../src/db";
import { RELAY_MIN_AGE_MS, relayUnpublishedEvents } from "../src/outbox/relay";
import {
  api,
  createLink,
  createTeam,
  eventRowsFor,
  expectError,
  fetchWithQueue,
  json,
  receivedEvents,
  tableCounts,
  throwingQueue,
  unique,
  waitForEvents,
  waitForOutboxQuiet,
  type EventRowView,
  type LinkBody,
} from "./helpers";

interface LinkRowView {
  id: string;
  slug: string;
  title: string | null;
  updated_at: string;
  deleted_at: string | null;
  last_event_id: string;
}

async function linkRow(id: string): Promise<LinkRowView | null> {
  return env.LINKS_DB.prepare("SELECT * FROM links WHERE id = ?").bind(id).first<LinkRowView>();
}

async function waitForRow(id: string, predicate: (row: EventRowView) => boolean): Promise<EventRowView> {
  let found: EventRowView | undefined;
  await expect
    .poll(
      async () => {
        const { results } = await env.LINKS_DB.prepare("SELECT * FROM events WHERE id = ?").bind(id).all<EventRowView>();
        found = results[0];
        return found !== undefined && predicate(found);
      },
      { timeout: 5_000, interval: 20 },
    )
    .toBe(true);
  if (!found) throw new Error(`no event row ${id}`);
  return found;
}

/** Runs the relay as the cron would at `createdAt + minimum age` of the given row. */
function relayAfter(row: EventRowView, queue: Queue = env.LINK_EVENTS) {
  return relayUnpublishedEvents(queue, linksDb(env.LINKS_DB), new Date(Date.parse(row.created_at) + RELAY_MIN_AGE_MS));
}

const triggers: string[] = [];
/** Real D1, real failure: a trigger makes the event insert of matching rows abort. */
async function failEventInsertsWhere(condition: string): Promise<void> {
  const name = `fail_events_${triggers.length}`;
  await env.LINKS_DB.prepare(
    `CREATE TRIGGER ${name} BEFORE INSERT ON events WHEN ${condition} BEGIN SELECT RAISE(ABORT, 'injected event insert failure'); END`,
  ).run();
  triggers.push(name);
}
afterEach(async () => {
  for (const name of triggers.splice(0)) await env.LINKS_DB.prepare(`DROP TRIGGER IF EXISTS ${name}`).run();
});

describe("the outbox on the request path", () => {
  it("writes the link row and its event row together, sends the stored envelope and marks it published", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/outbox", title: "Outbox" });
    const row = await linkRow(link.id);
    const [event] = await eventRowsFor(link.id);
    expect(row?.last_event_id).toBe(event?.id);
    expect(event).toMatchObject({ type: "LinkCreated", team_id: team.id, subject: link.id });
    const [received] = await waitForEvents((e) => e.id === event?.id);
    expect(received).toEqual(JSON.parse(event?.envelope ?? "null"));
    const published = await waitForRow(event?.id ?? "", (r) => r.published_at !== null);
    expect(published).toMatchObject({ send_attempts: 1, last_send_error: null });
  });

  it("answers 201 when the queue send throws, keeps the event unpublished with the error, and the relay sends it", async () => {
    const team = await createTeam();
    const res = await fetchWithQueue(throwingQueue("queue down for create"), "/v1/links", json({ url: "https://example.com/down" }, team.auth));
    expect(res.status).toBe(201);
    const link = (await res.json()) as LinkBody;
    expect((await api(`/v1/links/${link.id}`, { headers: team.auth })).status).toBe(200);
    const [row] = await eventRowsFor(link.id);
    expect(row).toMatchObject({ type: "LinkCreated", published_at: null, send_attempts: 1, last_send_error: expect.stringContaining("queue down for create") });
    if (!row) throw new Error("no event row");
    expect((await receivedEvents()).some((e) => e.id === row.id)).toBe(false);

    const result = await relayAfter(row);
    expect(result.sent).toBeGreaterThanOrEqual(1);
    expect(result.failed).toBe(0);
    const [received] = await waitForEvents((e) => e.id === row.id);
    expect(received).toEqual(JSON.parse(row.envelope));
    const after = (await eventRowsFor(link.id))[0];
    expect(after?.published_at).not.toBeNull();
    expect(after?.send_attempts).toBe(2);
  });

  it("does the same for PATCH, DELETE and bulk", async () => {
    const team = await createTeam();
    const down = throwingQueue("queue down for writes");
    const link = await createLink(team, { url: "https://example.com/writes" });
    await waitForOutboxQuiet();
    const patched = await fetchWithQueue(down, `/v1/links/${link.id}`, { ...json({ title: "changed" }, team.auth), method: "PATCH" });
    expect(patched.status).toBe(200);
    const deleted = await fetchWithQueue(down, `/v1/links/${link.id}`, { method: "DELETE", headers: team.auth });
    expect(deleted.status).toBe(204);
    const bulk = await fetchWithQueue(
      down,
      "/v1/links/bulk",
      json({ links: [{ url: "https://example.com/b1" }, { url: "https://example.com/b2" }] }, team.auth),
    );
    expect(bulk.status).toBe(200);
    const { results } = (await bulk.json()) as { results: { ok: boolean; link?: LinkBody }[] };
    const subjects = [link.id, ...results.map((r) => r.link?.id ?? "")];

    const pending = (await Promise.all(subjects.map(eventRowsFor))).flat().filter((r) => r.published_at === null);
    expect(pending.map((r) => r.type).sort()).toEqual(["LinkCreated", "LinkCreated", "LinkDeleted", "LinkUpdated"]);
    for (const r of pending) expect(r).toMatchObject({ send_attempts: 1, last_send_error: expect.stringContaining("queue down for writes") });

    const latest = pending.reduce((a, b) => (a.created_at > b.created_at ? a : b));
    await relayAfter(latest);
    await waitForEvents((e) => pending.some((p) => p.id === e.id), pending.length);
    for (const r of pending) expect((await waitForRow(r.id, (x) => x.published_at !== null)).send_attempts).toBe(2);
  });
});

describe("atomicity: a change and its event are written together or not at all", () => {
  it("leaves no link when the event insert of a create fails, and the slug stays free", async () => {
    const team = await createTeam();
    const slug = unique("atomic");
    await failEventInsertsWhere(`NEW.envelope LIKE '%${slug}%'`);
    const before = await tableCounts();
    await expectError(await api("/v1/links", json({ url: "https://example.com/atomic", slug }, team.auth)), 500, "internal");
    expect(await tableCounts()).toEqual(before);
    expect(await env.LINKS_DB.prepare("SELECT id FROM links WHERE slug = ?").bind(slug).first()).toBeNull();
    await env.LINKS_DB.prepare(`DROP TRIGGER ${triggers.pop()}`).run();
    expect((await createLink(team, { url: "https://example.com/atomic", slug })).slug).toBe(slug);
  });

  it("leaves none of a bulk batch when one of its event inserts fails", async () => {
    const team = await createTeam();
    const marker = unique("bulk-atomic");
    await failEventInsertsWhere(`NEW.envelope LIKE '%${marker}%'`);
    const before = await tableCounts();
    const links = [{ url: "https://example.com/ok-1" }, { url: `https://example.com/${marker}` }, { url: "https://example.com/ok-2" }];
    const res = await api("/v1/links/bulk", json({ links }, team.auth));
    expect(res.status).toBe(500);
    expect(await tableCounts()).toEqual(before);
  });

  it("keeps the link unchanged when the event insert of a PATCH fails", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/patch-atomic", title: "before" });
    await waitForOutboxQuiet();
    const rowBefore = await linkRow(link.id);
    const marker = unique("patch-atomic");
    await failEventInsertsWhere(`NEW.envelope LIKE '%${marker}%'`);
    const before = await tableCounts();
    const res = await api(`/v1/links/${link.id}`, { ...json({ title: marker }, team.auth), method: "PATCH" });
    expect(res.status).toBe(500);
    expect(await linkRow(link.id)).toEqual(rowBefore);
    expect(await tableCounts()).toEqual(before);
  });

  it("keeps the link live when the event insert of a DELETE fails", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/delete-atomic" });
    await waitForOutboxQuiet();
    await failEventInsertsWhere(`NEW.type = 'LinkDeleted' AND NEW.subject = '${link.id}'`);
    expect((await api(`/v1/links/${link.id}`, { method: "DELETE", headers: team.auth })).status).toBe(500);
    expect((await linkRow(link.id))?.deleted_at).toBeNull();
    expect((await api(`/${link.slug}`)).status).toBe(302);
    expect((await eventRowsFor(link.id)).map((r) => r.type)).toEqual(["LinkCreated"]);
  });

  it("racing creates of one slug: one wins, the loser leaves no orphan event", async () => {
    const team = await createTeam();
    const slug = unique("race");
    const responses = await Promise.all(Array.from({ length: 4 }, (_, i) => api("/v1/links", json({ url: `https://example.com/race/${i}`, slug }, team.auth))));
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    const { results } = await env.LINKS_DB.prepare("SELECT id FROM events WHERE json_extract(envelope, '$.data.link.slug') = ?").bind(slug).all();
    expect(results).toHaveLength(1);
  });

  it("racing DELETEs: exactly one 204 and one LinkDeleted", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/delete-race" });
    const responses = await Promise.all(Array.from({ length: 4 }, () => api(`/v1/links/${link.id}`, { method: "DELETE", headers: team.auth })));
    expect(responses.map((r) => r.status).sort()).toEqual([204, 404, 404, 404]);
    expect((await eventRowsFor(link.id)).map((r) => r.type)).toEqual(["LinkCreated", "LinkDeleted"]);
  });

  it("racing PATCHes: one LinkUpdated per 200, and the row points at the last one", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/patch-race" });
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) => api(`/v1/links/${link.id}`, { ...json({ title: `title ${i}` }, team.auth), method: "PATCH" })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    const updates = (await eventRowsFor(link.id)).filter((r) => r.type === "LinkUpdated");
    expect(updates).toHaveLength(statuses.filter((s) => s === 200).length);
    const row = await linkRow(link.id);
    const last = updates.at(-1);
    expect(row?.last_event_id).toBe(last?.id);
    expect(row?.title).toBe((JSON.parse(last?.envelope ?? "{}") as { data: { link: { title: string } } }).data.link.title);
  });

  it("never leaves a link without its event, or an event without its link", async () => {
    const { results: linksWithoutEvent } = await env.LINKS_DB.prepare(
      "SELECT l.id FROM links l LEFT JOIN events e ON e.id = l.last_event_id AND e.subject = l.id WHERE e.id IS NULL",
    ).all();
    const { results: eventsWithoutLink } = await env.LINKS_DB.prepare(
      // Link events only: an audit event's subject is a team, key or replay job (events/audit-events.ts).
      "SELECT e.id FROM events e LEFT JOIN links l ON l.id = e.subject WHERE l.id IS NULL AND e.type IN ('LinkCreated', 'LinkUpdated', 'LinkDeleted', 'LinkClicked')",
    ).all();
    expect(linksWithoutEvent).toEqual([]);
    expect(eventsWithoutLink).toEqual([]);
  });
});
