import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { LinkEvent } from "#events";
import { connectFeed, newTeamId, teamEvents, type FeedClient } from "../../../../durable-objects/team-feed/test/feed-client";
import { broadcastPerTeam, type TeamFeeds } from "../src/consumer";
import worker from "../src/index";
import { runBatch } from "../../../../test/support/queue-batch";

/** Runs the real Worker's queue handler on a batch of `dashboard-events`, against the api's real TeamFeed. */
function consume(bodies: unknown[], attempts = 1) {
  return runBatch("dashboard-events", bodies, (batch) => worker.queue(batch, env), attempts);
}

interface Report {
  reports: { eventId: string; status: string; duplicate: boolean }[];
}

async function reportsOf(eventId: string, count: number): Promise<Report["reports"]> {
  return vi.waitUntil(
    async () => {
      const all = ((await (await env.RECORDER.fetch("https://recorder/?queue=delivery-reports")).json()) as { body: Report }[]).flatMap((r) => r.body.reports);
      const mine = all.filter((r) => r.eventId === eventId);
      return mine.length >= count ? mine : false;
    },
    { timeout: 5_000, interval: 20 },
  );
}

/** Interleaves two lists: a1, b1, a2, b2, ... — a batch mixing teams the way a queue does. */
function interleave(a: LinkEvent[], b: LinkEvent[]): LinkEvent[] {
  return a.flatMap((event, i) => [event, ...(b[i] ? [b[i]] : [])]);
}

/** The real TEAM_FEED binding, with every broadcast call recorded as (team, event ids) on the way through. */
function recordingFeeds(calls: { team: string; ids: string[] }[], failTeam?: string): TeamFeeds {
  return {
    idFromName: (name) => env.TEAM_FEED.idFromName(name),
    get: (id) => ({
      broadcast: async (input) => {
        calls.push({ team: input.teamId, ids: input.events.map((e) => e.id) });
        // The one failure injected here: a team whose object is unreachable.
        if (input.teamId === failTeam) throw new Error("object unavailable (injected)");
        return env.TEAM_FEED.get(id).broadcast(input);
      },
      recordClicks: (input) => env.TEAM_FEED.get(id).recordClicks(input),
    }),
  };
}

describe("dashboard consumer", () => {
  it("broadcasts each team's events to that team's sockets only, in batch order, and acks them", async () => {
    const [a, b] = [newTeamId(), newTeamId()];
    const [aClient, bClient] = await Promise.all([connectFeed(a), connectFeed(b)]);
    const [aEvents, bEvents] = [teamEvents(a, 5), teamEvents(b, 4)];
    const result = await consume(interleave(aEvents, bEvents));
    expect(result.explicitAcks).toHaveLength(9);
    expect(result.retryMessages).toEqual([]);
    await Promise.all([aClient.waitFor("event", 5), bClient.waitFor("event", 4)]);
    expect(aClient.eventIds()).toEqual(aEvents.map((e) => e.id));
    expect(bClient.eventIds()).toEqual(bEvents.map((e) => e.id));
    expect(await reportsOf(aEvents[0]?.id ?? "", 1)).toEqual([expect.objectContaining({ status: "delivered", duplicate: false })]);
  });

  it("calls each team's object once per batch, with all of that team's events", async () => {
    const [a, b, c] = [newTeamId(), newTeamId(), newTeamId()];
    const events = [...interleave(teamEvents(a, 30), teamEvents(b, 30)), ...teamEvents(c, 1)];
    const calls: { team: string; ids: string[] }[] = [];
    const result = await broadcastPerTeam(events, recordingFeeds(calls));
    expect(result).toEqual({ failed: [], duplicates: [] });
    expect(calls.map((call) => call.team).sort()).toEqual([a, b, c].sort());
    for (const call of calls) expect(call.ids).toEqual(events.filter((e) => e.teamId === call.team).map((e) => e.id));
  });

  it("names the team in each call, so an object of another team refuses the events even when it has no name", async () => {
    const [a, b] = [newTeamId(), newTeamId()];
    // b's sockets on an object made without a name (it knows its team only from b's connect).
    const unnamed = env.TEAM_FEED.newUniqueId();
    const bClient = await connectFeed(b, undefined, { stub: env.TEAM_FEED.get(unnamed) });
    // A routing bug: every team's events are sent to that object.
    const misrouted: TeamFeeds = { idFromName: () => unnamed, get: (id) => env.TEAM_FEED.get(id) };
    const aEvents = teamEvents(a, 3);
    const result = await broadcastPerTeam(aEvents, misrouted);
    expect(result.failed.map((f) => f.eventId)).toEqual(aEvents.map((e) => e.id));
    for (const failure of result.failed) expect(failure.error).toMatch(/another team/);
    // b's own events still reach b.
    const bEvents = teamEvents(b, 1);
    expect(await broadcastPerTeam(bEvents, misrouted)).toEqual({ failed: [], duplicates: [] });
    await bClient.waitFor("event");
    expect(bClient.eventIds()).toEqual(bEvents.map((e) => e.id));
  });

  it("makes redeliveries harmless: each event reaches a socket once, the repeat is reported a duplicate", async () => {
    const team = newTeamId();
    const client: FeedClient = await connectFeed(team);
    const events = teamEvents(team, 6);
    await consume(events.slice(0, 4));
    // A redelivery of part of the batch, together with new events, and the same event twice in one batch.
    const again = await consume([events[1], events[5], events[4], events[2], events[5]], 2);
    expect(again.explicitAcks).toHaveLength(5);
    await client.waitFor("event", 6);
    // Order of arrival at the object: the second batch brought event 5 before event 4.
    expect(client.eventIds()).toEqual([0, 1, 2, 3, 5, 4].map((i) => events[i]?.id));
    expect(await reportsOf(events[1]?.id ?? "", 2)).toEqual([
      expect.objectContaining({ status: "delivered", duplicate: false }),
      expect.objectContaining({ status: "delivered", duplicate: true }),
    ]);
  });

  it("fails only the events of a team whose object call fails; the other teams' are done", async () => {
    const [ok, broken] = [newTeamId(), newTeamId()];
    const client = await connectFeed(ok);
    const [okEvents, brokenEvents] = [teamEvents(ok, 2), teamEvents(broken, 2)];
    const result = await broadcastPerTeam(interleave(okEvents, brokenEvents), recordingFeeds([], broken));
    expect(result.failed).toEqual(brokenEvents.map((e) => ({ eventId: e.id, error: "team feed: object unavailable (injected)" })));
    await client.waitFor("event", 2);
    expect(client.eventIds()).toEqual(okEvents.map((e) => e.id));
  });

  it("acks a message that is not an event envelope (dead-lettered through the report), never retrying it", async () => {
    const result = await consume([{ type: "LinkCreated", teamId: newTeamId() }]);
    expect(result.explicitAcks).toHaveLength(1);
  });
});
