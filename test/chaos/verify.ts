// After the drain: every effect of the run, counted against what the run did. An effect missing
// is LOST; one there twice is DOUBLED (a redelivery absorbed by a receipt or a webhook-id is
// neither: it is counted as information).
import { SUBSCRIPTIONS } from "#contracts/fanout/subscriptions";
import { allPages, call, inParallel } from "./http.ts";
import type { Burst, FeedClient, Stack, Team } from "./load.ts";
import type { Receiver } from "./receiver.ts";

export interface Tally {
  expected: number;
  found: number;
  lost: number;
  doubled: number;
}

export interface Verdict {
  tallies: Record<string, Tally>;
  lost: number;
  doubled: number;
  /** Harmless repeats seen on the way (ledger duplicates, webhook redeliveries), links of unanswered creates. */
  info: Record<string, number>;
}

const LINK_CREATED_SUBSCRIBERS = SUBSCRIPTIONS.filter((s) => (s.types as readonly string[]).includes("LinkCreated")).map((s) => s.subscriber);

interface Delivery {
  subscriber: string;
  status: string;
  duplicates?: number;
}

function tally(expected: number, found: number, lost: number, doubled: number): Tally {
  return { expected, found, lost, doubled };
}

export async function verify(team: Team, stack: Stack, run: Burst, feed: FeedClient, receivers: { receiver: Receiver; events: string[] }[]): Promise<Verdict> {
  const api = { ...team.api, baseUrl: stack.baseUrl };
  const info: Record<string, number> = {};
  const links = await allPages<{ id: string }>(api, "/v1/links");
  const existing = new Set(links.map((l) => l.id));
  const answered = new Set(run.created.map((l) => l.id));
  info["links of unanswered creates"] = links.filter((l) => !answered.has(l.id)).length;

  const tallies: Record<string, Tally> = {};
  const createdLost = run.created.filter((l) => !existing.has(l.id)).length;
  tallies["links"] = tally(run.created.length, run.created.length - createdLost, createdLost, 0);

  // One LinkCreated per existing link.
  const createdEvents = await allPages<{ id: string; subject: string }>(api, "/v1/events?type=LinkCreated");
  const eventsByLink = new Map<string, string[]>();
  for (const e of createdEvents) eventsByLink.set(e.subject, [...(eventsByLink.get(e.subject) ?? []), e.id]);
  const eventIds = createdEvents.filter((e) => existing.has(e.subject)).map((e) => e.id);
  let eventsLost = 0;
  let eventsDoubled = 0;
  for (const id of existing) {
    const n = eventsByLink.get(id)?.length ?? 0;
    if (n === 0) eventsLost++;
    else eventsDoubled += n - 1;
  }
  tallies["events"] = tally(existing.size, existing.size - eventsLost, eventsLost, eventsDoubled);

  // The ledger: every subscriber of LinkCreated delivered, per event.
  const ledgerRows = await inParallel(eventIds, 8, (id) => call<{ deliveries: Delivery[] }>(api, "GET", `/v1/events/${id}`));
  let pairsDelivered = 0;
  let duplicates = 0;
  for (const { deliveries } of ledgerRows) {
    for (const subscriber of LINK_CREATED_SUBSCRIBERS) {
      const d = deliveries.find((x) => x.subscriber === subscriber);
      if (d?.status === "delivered") pairsDelivered++;
      duplicates += d?.duplicates ?? 0;
    }
  }
  const pairs = eventIds.length * LINK_CREATED_SUBSCRIBERS.length;
  tallies["ledger"] = tally(pairs, pairsDelivered, pairs - pairsDelivered, 0);
  info["duplicate copies absorbed by receipts"] = duplicates;

  const usage = await call<{ linksCreated: number }>(api, "GET", "/v1/usage");
  tallies["usage"] = tally(existing.size, usage.linksCreated, Math.max(0, existing.size - usage.linksCreated), Math.max(0, usage.linksCreated - existing.size));

  // Clicks: analytics counts exactly the 302s the run got, per link.
  const ids = [...existing];
  const clickCounts = await inParallel(ids, 8, (id) => call<{ clicks: number }>(api, "GET", `/v1/links/${id}/stats`).then((s) => s.clicks));
  let clicksLost = 0;
  let clicksDoubled = 0;
  let clicksFound = 0;
  ids.forEach((id, i) => {
    const want = run.clicks.get(id) ?? 0;
    const got = clickCounts[i] ?? 0;
    clicksFound += Math.min(want, got);
    clicksLost += Math.max(0, want - got);
    clicksDoubled += Math.max(0, got - want);
  });
  const clicksMade = [...run.clicks.values()].reduce((a, b) => a + b, 0);
  tallies["stats"] = tally(clicksMade, clicksFound, clicksLost, clicksDoubled);

  // A stored QR code per link (202 while it is not made).
  const qr = await inParallel(ids, 8, async (id) => {
    const res = await fetch(`${stack.baseUrl}/v1/links/${id}/qr`, { headers: api.headers, signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer();
    return res.status === 200;
  });
  const qrFound = qr.filter(Boolean).length;
  tallies["qr"] = tally(ids.length, qrFound, ids.length - qrFound, 0);

  // Webhooks, verified and deduped by webhook-id at each receiver.
  const eventSet = new Set(eventIds);
  for (const { receiver, events } of receivers) {
    const accepted = [...receiver.accepted.entries()];
    info[`webhook redeliveries absorbed (${receiver.mode})`] = accepted.reduce((n, [, a]) => n + a.times - 1, 0);
    if (events.includes("link.created")) {
      const got = new Set(accepted.filter(([, a]) => a.type === "link.created").map(([id]) => id));
      const found = eventIds.filter((id) => got.has(id)).length;
      const strays = [...got].filter((id) => !eventSet.has(id)).length;
      tallies[`webhooks link.created (${receiver.mode})`] = tally(eventIds.length, found, eventIds.length - found, strays);
    }
    if (events.includes("link.clicked")) {
      const perLink = new Map<string, number>();
      for (const [, a] of accepted) if (a.type === "link.clicked" && a.linkId) perLink.set(a.linkId, (perLink.get(a.linkId) ?? 0) + 1);
      let lost = 0;
      let doubled = 0;
      let found = 0;
      for (const id of new Set([...ids, ...perLink.keys()])) {
        const want = run.clicks.get(id) ?? 0;
        const got = perLink.get(id) ?? 0;
        found += Math.min(want, got);
        lost += Math.max(0, want - got);
        doubled += Math.max(0, got - want);
      }
      tallies[`webhooks link.clicked (${receiver.mode})`] = tally(clicksMade, found, lost, doubled);
    }
  }

  // The live feed: each LinkCreated once, across reconnects with `since`.
  let feedLost = 0;
  let feedDoubled = 0;
  for (const id of eventIds) {
    const n = feed.createdEvents.get(id) ?? 0;
    if (n === 0) feedLost++;
    else feedDoubled += n - 1;
  }
  tallies["feed"] = tally(eventIds.length, eventIds.length - feedLost, feedLost, feedDoubled);
  info["feed resyncs"] = feed.stats.resyncs;

  const all = Object.values(tallies);
  return { tallies, lost: all.reduce((n, t) => n + t.lost, 0), doubled: all.reduce((n, t) => n + t.doubled, 0), info };
}
