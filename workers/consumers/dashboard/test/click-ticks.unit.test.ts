import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { clicksRecordedV1, clicksRecordedV2, linkEventSchema, type ClicksRecorded, type LinkEvent } from "#events";
import { sampleEvents } from "#events/samples";
import { connectFeed, newEventId, newLinkId, newTeamId, teamEvents, tickTotals, waitForTotals } from "../../../../durable-objects/team-feed/test/feed-client";
import { TICK_INTERVAL_MS } from "../../../../durable-objects/team-feed/click-ticks";
import { recordClicksPerTeam, type TeamFeeds } from "../src/consumer";
import worker from "../src/index";
import { runBatch } from "../../../../test/support/queue-batch";

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hex = (n: number) => n.toString(16).padStart(32, "0");

interface Link {
  linkId: string;
  teamId: string;
  slug: string;
}

function linkOf(teamId: string, slug: string): Link {
  return { linkId: newLinkId(), teamId, slug };
}

/** A packed click batch: `humans[i]` human clicks and `bots[i]` bot GETs / HEADs on links[i]. */
function clickBatch(links: Link[], humans: number[], bots: [number, number][] = []): ClicksRecorded {
  const clicks = links.flatMap((_, link) =>
    Array.from({ length: humans[link] ?? 0 }, (_, i) => [link, i, hex(link * 1_000 + i + 1), null, -1, -1, hex(i + 7)]),
  );
  return clicksRecordedV1.parse({
    ...structuredClone(sampleEvents["ClicksRecorded.v1"]),
    id: newEventId(),
    teamId: links[0]?.teamId,
    data: {
      from: "2026-12-01T10:00:00.000Z",
      to: "2026-12-01T10:00:00.900Z",
      links,
      agents: [],
      referrers: [],
      clicks,
      bots: bots.flatMap(([bot, head], link) => (bot + head > 0 ? [[link, bot, head]] : [])),
    },
  });
}

/** The same batch as ClicksRecorded v2: every click a QR scan that matched rule 0, in Berlin. */
function clickBatchV2(links: Link[], humans: number[]): ClicksRecorded {
  const v1 = clickBatch(links, humans);
  return clicksRecordedV2.parse({
    ...v1,
    version: 2,
    data: { ...v1.data, places: [["Berlin", "Berlin"]], clicks: v1.data.clicks.map((click) => [...click, 1, 0, 0]) },
  });
}

function linkClicked(link: Link, changes: { bot?: boolean; method?: "GET" | "HEAD" } = {}, version: 1 | 2 = 1): LinkEvent {
  const sample = structuredClone(sampleEvents[`LinkClicked.v${version}`]);
  return linkEventSchema.parse({
    ...sample,
    id: newEventId(),
    teamId: link.teamId,
    subject: link.linkId,
    data: { ...sample.data, linkId: link.linkId, slug: link.slug, bot: changes.bot ?? false, method: changes.method ?? "GET" },
  });
}

describe("dashboard consumer: clicks as ticks", () => {
  it("turns a ClicksRecorded batch into each team's human clicks per link, sent as ticks to that team only, never as events", async () => {
    const [a, b] = [newTeamId(), newTeamId()];
    const [aClient, bClient] = await Promise.all([connectFeed(a), connectFeed(b)]);
    const links = [linkOf(a, "a-one"), linkOf(b, "b-one"), linkOf(a, "a-two")];
    // Bots and HEADs are counts in the batch; the live counters leave them out, as the stats' `clicks` do.
    const batch = clickBatch(
      links,
      [3, 2, 1],
      [
        [5, 1],
        [0, 0],
        [2, 0],
      ],
    );
    const lifecycle = teamEvents(a, 1);
    const result = await consume([batch, ...lifecycle]);
    expect(result.explicitAcks).toHaveLength(2);
    expect(result.retryMessages).toEqual([]);
    await waitForTotals(aClient, { [links[0]?.linkId ?? ""]: 3, [links[2]?.linkId ?? ""]: 1 });
    await waitForTotals(bClient, { [links[1]?.linkId ?? ""]: 2 });
    await aClient.waitFor("event");
    expect(aClient.eventIds()).toEqual([lifecycle[0]?.id]);
    expect(bClient.eventIds()).toEqual([]);
    const aTicks = aClient.frames.flatMap((frame) => (frame.type === "clicks" ? frame.counts : []));
    expect(aTicks.map((count) => count.slug).sort()).toEqual(["a-one", "a-two"]);
    expect(await reportsOf(batch.id, 1)).toEqual([expect.objectContaining({ status: "delivered", duplicate: false })]);
  });

  it("counts a redelivered batch once: the repeat is a duplicate and the ticks do not double", async () => {
    const team = newTeamId();
    const client = await connectFeed(team);
    const link = linkOf(team, "redelivered");
    const batch = clickBatch([link], [4]);
    await consume([batch]);
    await waitForTotals(client, { [link.linkId]: 4 });
    const again = await consume([batch, batch], 2);
    expect(again.explicitAcks).toHaveLength(2);
    await sleep(3 * TICK_INTERVAL_MS);
    expect(tickTotals(client)).toEqual({ [link.linkId]: 4 });
    expect(await reportsOf(batch.id, 3)).toEqual([
      expect.objectContaining({ duplicate: false }),
      expect.objectContaining({ duplicate: true }),
      expect.objectContaining({ duplicate: true }),
    ]);
  });

  it("counts LinkClicked events still in flight the same way (human GETs only), never as event frames", async () => {
    const team = newTeamId();
    const client = await connectFeed(team);
    const [one, two] = [linkOf(team, "legacy-one"), linkOf(team, "legacy-two")];
    const events = [linkClicked(one), linkClicked(one), linkClicked(two), linkClicked(two, { bot: true }), linkClicked(one, { method: "HEAD" })];
    const result = await consume(events);
    expect(result.explicitAcks).toHaveLength(5);
    await waitForTotals(client, { [one.linkId]: 2, [two.linkId]: 1 });
    // A redelivery of one of them, beside a new one.
    await consume([events[0], linkClicked(two)], 2);
    await waitForTotals(client, { [one.linkId]: 2, [two.linkId]: 2 });
    await sleep(3 * TICK_INTERVAL_MS);
    expect(tickTotals(client)).toEqual({ [one.linkId]: 2, [two.linkId]: 2 });
    expect(client.eventIds()).toEqual([]);
  });

  it("counts ClicksRecorded v2 and LinkClicked v2 as v1: a QR scan is a click like another", async () => {
    const team = newTeamId();
    const client = await connectFeed(team);
    const [one, two] = [linkOf(team, "scanned-one"), linkOf(team, "scanned-two")];
    const batch = clickBatchV2([one, two], [3, 1]);
    const result = await consume([batch, linkClicked(two, {}, 2), linkClicked(one, { bot: true }, 2)]);
    expect(result.explicitAcks).toHaveLength(3);
    await waitForTotals(client, { [one.linkId]: 3, [two.linkId]: 2 });
    await sleep(3 * TICK_INTERVAL_MS);
    expect(tickTotals(client)).toEqual({ [one.linkId]: 3, [two.linkId]: 2 });
    expect(client.eventIds()).toEqual([]);
  });

  it("retries a batch whose clicks span teams when one team's object fails; the retry counts each team once", async () => {
    const [ok, broken] = [newTeamId(), newTeamId()];
    const [okClient, brokenClient] = await Promise.all([connectFeed(ok), connectFeed(broken)]);
    const links = [linkOf(ok, "ok"), linkOf(broken, "broken")];
    const batch = clickBatch(links, [2, 3]);
    let failing = true;
    const feeds: TeamFeeds = {
      idFromName: (name) => env.TEAM_FEED.idFromName(name),
      get: (id) => ({
        broadcast: (input) => env.TEAM_FEED.get(id).broadcast(input),
        recordClicks: async (input) => {
          // The one failure injected here: a team whose object is unreachable, once.
          if (input.teamId === broken && failing) throw new Error("object unavailable (injected)");
          return env.TEAM_FEED.get(id).recordClicks(input);
        },
      }),
    };
    expect(await recordClicksPerTeam([batch], feeds)).toEqual({
      failed: [{ eventId: batch.id, error: "team feed: object unavailable (injected)" }],
      duplicates: [],
    });
    failing = false;
    // The retry: the team that had it skips it, the other counts it; not a duplicate as a whole.
    expect(await recordClicksPerTeam([batch], feeds)).toEqual({ failed: [], duplicates: [] });
    expect(await recordClicksPerTeam([batch], feeds)).toEqual({ failed: [], duplicates: [batch.id] });
    await waitForTotals(okClient, { [links[0]?.linkId ?? ""]: 2 });
    await waitForTotals(brokenClient, { [links[1]?.linkId ?? ""]: 3 });
    await sleep(3 * TICK_INTERVAL_MS);
    expect(tickTotals(okClient)).toEqual({ [links[0]?.linkId ?? ""]: 2 });
  });

  it("acks a batch of bot and HEAD clicks only, calling no object", async () => {
    const team = newTeamId();
    const calls: string[] = [];
    const feeds: TeamFeeds = {
      idFromName: (name) => env.TEAM_FEED.idFromName(name),
      get: (id) => ({
        broadcast: (input) => env.TEAM_FEED.get(id).broadcast(input),
        recordClicks: (input) => {
          calls.push(input.teamId);
          return env.TEAM_FEED.get(id).recordClicks(input);
        },
      }),
    };
    const batch = clickBatch([linkOf(team, "bots")], [0], [[4, 2]]);
    expect(await recordClicksPerTeam([batch, linkClicked(linkOf(team, "bot"), { bot: true })], feeds)).toEqual({ failed: [], duplicates: [] });
    expect(calls).toEqual([]);
    expect((await consume([batch])).explicitAcks).toHaveLength(1);
  });
});
