import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CURRENT_VERSION, parseLogEvent } from "#events";
import { api, createLink, createTeam, eventRowsOfTeam, json, receivedClickBatches, waitForBotCounts, waitForEvents, waitForOutboxQuiet } from "./helpers";

interface Recorded {
  body: unknown;
}

async function recorded(): Promise<Recorded[]> {
  const res = await env.EVENT_RECORDER.fetch("https://recorder/");
  return (await res.json()) as Recorded[];
}

function problems(bodies: unknown[]): string[] {
  return bodies.flatMap((body) => {
    const parsed = parseLogEvent(body);
    return parsed.success ? [] : [`${JSON.stringify(body).slice(0, 200)}: ${JSON.stringify(parsed.error.issues)}`];
  });
}

describe("envelopes that really travelled", () => {
  it("every type produced by the api parses with events/, at the version producers emit today", async () => {
    const team = await createTeam("Envelopes");
    const link = await createLink(team, { url: "https://example.com/env", title: "Env", tags: ["a"], expiresAt: "2031-01-01T00:00:00+05:30" });
    expect((await api(`/v1/links/${link.id}`, { ...json({ title: "Env 2", tags: ["b"] }, team.auth), method: "PATCH" })).status).toBe(200);
    expect((await api(`/${link.slug}?from=test`, { headers: { "user-agent": "curl/8.5.0", referer: "https://example.org/" } })).status).toBe(302);
    expect((await api(`/${link.slug}`, { method: "HEAD" })).status).toBe(302);
    expect((await api(`/v1/links/${link.id}`, { method: "DELETE", headers: team.auth })).status).toBe(204);

    const events = await waitForEvents((e) => e.subject === link.id, 3);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(["LinkCreated", "LinkUpdated", "LinkDeleted"]));
    // The clicks (curl is a bot, the HEAD too) travelled as counts in a ClicksRecorded batch of the team.
    expect(await waitForBotCounts(link.id, { bots: 1, heads: 1 })).toEqual({ bots: 1, heads: 1 });
    const [batch] = (await receivedClickBatches()).filter((b) => b.data.links.some((l) => l.linkId === link.id));
    expect(batch?.version).toBe(CURRENT_VERSION.ClicksRecorded);
    expect(batch?.data.links.find((l) => l.linkId === link.id)?.teamId).toBe(team.id);
    for (const event of events) {
      expect(event.version).toBe(CURRENT_VERSION[event.type]);
      expect(event.teamId).toBe(team.id);
    }
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it("every message that reached the recorder during these tests parses with events/", async () => {
    const all = await recorded();
    expect(all.length).toBeGreaterThan(0);
    expect(problems(all.map((m) => m.body))).toEqual([]);
  });

  it("every outbox row holds a valid envelope that matches its columns, and the API serves it unchanged", async () => {
    const team = await createTeam("Outbox rows");
    const link = await createLink(team, { url: "https://example.com/rows" });
    await api(`/v1/links/${link.id}`, { ...json({ url: "https://example.com/rows2" }, team.auth), method: "PATCH" });
    await waitForOutboxQuiet();
    const { results } = await env.LINKS_DB.prepare("SELECT id, type, version, team_id, subject, trace_id, occurred_at, envelope FROM events").all<{
      id: string;
      type: string;
      version: number;
      team_id: string;
      subject: string;
      trace_id: string;
      occurred_at: string;
      envelope: string;
    }>();
    expect(results.length).toBeGreaterThan(0);
    expect(problems(results.map((r) => JSON.parse(r.envelope)))).toEqual([]);
    for (const row of results) {
      expect(JSON.parse(row.envelope)).toMatchObject({
        id: row.id,
        type: row.type,
        version: row.version,
        teamId: row.team_id,
        subject: row.subject,
        traceId: row.trace_id,
        occurredAt: row.occurred_at,
      });
    }
    for (const row of await eventRowsOfTeam(team.id, { withAudit: true })) {
      const res = await api(`/v1/events/${row.id}`, { headers: team.auth });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { event: unknown }).event).toEqual(JSON.parse(row.envelope));
    }
    const list = (await (await api(`/v1/events?subject=${link.id}`, { headers: team.auth })).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(2);
    expect(problems(list.data)).toEqual([]);
  });
});
