import { createScheduledController, env } from "cloudflare:test";
import { ulid } from "ulid";
import { describe, expect, it } from "vitest";
import { sampleEvents } from "#events/samples";
import worker from "../src/index";
import { prunePublishedEvents } from "../src/outbox/prune-events";
import { api, createLink, createTeam, eventRowsFor, json, waitForOutboxQuiet } from "./helpers";

const DAY = 24 * 3_600_000;

/** A LinkCreated in the log as the outbox writes it, made `ageDays` before `now`, published a second later or never. */
async function logged(teamId: string, now: number, ageDays: number, published = true): Promise<string> {
  const at = now - ageDays * DAY;
  const id = `evt_${ulid(at)}`;
  const occurredAt = new Date(at).toISOString();
  const envelope = { ...structuredClone(sampleEvents["LinkCreated.v2"]), id, teamId, occurredAt };
  await env.LINKS_DB.prepare(
    `INSERT INTO events (id, type, version, team_id, subject, trace_id, occurred_at, envelope, created_at, published_at, send_attempts)
     VALUES (?1, 'LinkCreated', 2, ?2, ?3, ?4, ?5, ?6, ?5, ?7, 1)`,
  )
    .bind(id, teamId, envelope.subject, envelope.traceId, occurredAt, JSON.stringify(envelope), published ? new Date(at + 1_000).toISOString() : null)
    .run();
  return id;
}

/** The team's LinkCreated rows (its TeamCreated and ApiKeyMinted are made by createTeam, today). */
async function idsOfTeam(teamId: string): Promise<string[]> {
  const { results } = await env.LINKS_DB.prepare("SELECT id FROM events WHERE team_id = ? AND type = 'LinkCreated' ORDER BY id")
    .bind(teamId)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

describe("event log retention (the replay window)", () => {
  it("deletes published events older than the window; unpublished ones, however old, and newer ones stay, in the log and in GET /v1/events", async () => {
    const team = await createTeam();
    const now = Date.now();
    const old = await logged(team.id, now, 31);
    const older = await logged(team.id, now, 400);
    const stuck = await logged(team.id, now, 45, false);
    const recent = await logged(team.id, now, 29);

    await prunePublishedEvents(env.LINKS_DB, new Date(now), 30);

    expect(await idsOfTeam(team.id)).toEqual([stuck, recent].sort());
    const listed = (await (await api("/v1/events?type=LinkCreated", { headers: team.auth })).json()) as { data: { id: string }[] };
    expect(listed.data.map((e) => e.id).sort()).toEqual([stuck, recent].sort());
    // The ledger knows nothing of these synthetic events either: past the window the event is gone.
    expect((await api(`/v1/events/${old}`, { headers: team.auth })).status).toBe(404);
    expect((await api(`/v1/events/${older}`, { headers: team.auth })).status).toBe(404);
  });

  it("runs from the minute cron, next to the relay and replay jobs", async () => {
    const team = await createTeam();
    const now = Date.now();
    const old = await logged(team.id, now, 30.5);
    const recent = await logged(team.id, now, 1);

    await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "* * * * *" }), env);

    const ids = await idsOfTeam(team.id);
    expect(ids).toContain(recent);
    expect(ids).not.toContain(old);
  });

  it("leaves a link whose last event is gone writable: the guarded writes compare links.last_event_id, never the event row", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/retention" });
    await waitForOutboxQuiet();
    const [created] = await eventRowsFor(link.id);
    expect(created?.published_at).not.toBeNull();

    await prunePublishedEvents(env.LINKS_DB, new Date(Date.now() + 31 * DAY), 30);
    expect(await eventRowsFor(link.id)).toEqual([]);

    const updated = await api(`/v1/links/${link.id}`, { ...json({ title: "after retention" }, team.auth), method: "PATCH" });
    expect(updated.status).toBe(200);
    const deleted = await api(`/v1/links/${link.id}`, { method: "DELETE", headers: team.auth });
    expect(deleted.status).toBe(204);
    expect((await eventRowsFor(link.id)).map((r) => r.type)).toEqual(["LinkUpdated", "LinkDeleted"]);
  });

  it("deletes at most chunk × maxChunks rows a run, oldest first, and converges over runs", async () => {
    const team = await createTeam();
    const now = Date.now() + 1_000 * DAY;
    const old: string[] = [];
    for (let i = 0; i < 25; i++) old.push(await logged(team.id, now, 60 - i));
    const recent = await logged(team.id, now, 1);
    const limits = { chunk: 10, maxChunks: 2 };

    // Rows of other tests (made today) are older still and go first: count this team's only.
    const before = (await idsOfTeam(team.id)).length;
    let runs = 0;
    let removed: number;
    do {
      removed = (await prunePublishedEvents(env.LINKS_DB, new Date(now), 30, limits)).events;
      expect(removed).toBeLessThanOrEqual(20);
      runs++;
    } while (removed > 0 && runs < 20);
    expect(before).toBe(26);
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(await idsOfTeam(team.id)).toEqual([recent]);
  });

  it("stops the log growing: 100 events a day for 120 days, pruned every day, never hold more than the window's worth", async () => {
    const team = await createTeam();
    const start = Date.now() + 2_000 * DAY;
    const sizes: number[] = [];
    for (let day = 0; day < 120; day++) {
      const today = start + day * DAY;
      const rows = Array.from({ length: 100 }, () => `evt_${ulid(today)}`);
      await env.LINKS_DB.prepare(
        `INSERT INTO events (id, type, version, team_id, subject, trace_id, occurred_at, envelope, created_at, published_at, send_attempts)
         SELECT value, 'LinkCreated', 2, ?2, 'lnk_growth', 'trace', ?3, '{}', ?3, ?3, 1 FROM json_each(?1)`,
      )
        .bind(JSON.stringify(rows), team.id, new Date(today).toISOString())
        .run();
      await prunePublishedEvents(env.LINKS_DB, new Date(today + DAY / 2), 30);
      sizes.push((await idsOfTeam(team.id)).length);
    }
    expect(Math.max(...sizes)).toBe(100 * 30);
    expect(sizes.slice(40).every((n) => n === 100 * 30)).toBe(true);
  });
});
