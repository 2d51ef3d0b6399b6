import type { LinkEvent } from "#events";
import type { ConsumerSpec, PerformBatchResult } from "../../../shared/consumer/consumer-spec";
import { errorMessage } from "../../../shared/log";
import {
  MAX_EVENTS_PER_BROADCAST,
  type BroadcastInput,
  type BroadcastResult,
  type RecordClicksInput,
  type RecordClicksResult,
} from "../../../../durable-objects/team-feed/feed-rpc";
import { clickCountsByTeam, isClickEvent } from "./click-counts";

/** What the consumer uses of the TEAM_FEED binding. */
export interface TeamFeeds {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): {
    broadcast(input: BroadcastInput): Promise<BroadcastResult>;
    recordClicks(input: RecordClicksInput): Promise<RecordClicksResult>;
  };
}

/** A batch's events by team, each team's in the order they came in the batch. */
export function groupByTeam(events: LinkEvent[]): Map<string, LinkEvent[]> {
  const teams = new Map<string, LinkEvent[]>();
  for (const event of events) {
    const list = teams.get(event.teamId);
    if (list) list.push(event);
    else teams.set(event.teamId, [event]);
  }
  return teams;
}

/**
 * One `broadcast` RPC per team, all teams at once, each naming the team it is for (the
 * object refuses a call for a team other than its own). A team whose object fails has its
 * events retried; the other teams' events are done. Retrying is harmless: the object
 * skips event ids it already has.
 */
export async function broadcastPerTeam(events: LinkEvent[], feeds: TeamFeeds): Promise<PerformBatchResult> {
  const teams = [...groupByTeam(events)];
  const outcomes = await Promise.allSettled(teams.map(([teamId, list]) => feeds.get(feeds.idFromName(teamId)).broadcast({ teamId, events: list })));
  const result: Required<PerformBatchResult> = { failed: [], duplicates: [] };
  outcomes.forEach((outcome, index) => {
    const list = teams[index]?.[1] ?? [];
    if (outcome.status === "fulfilled") result.duplicates.push(...outcome.value.duplicates);
    else result.failed.push(...list.map((event) => ({ eventId: event.id, error: `team feed: ${errorMessage(outcome.reason)}` })));
  });
  return result;
}

/**
 * One `recordClicks` RPC per team with the human clicks of the batch's click events (packed
 * ClicksRecorded batches, and LinkClicked events still in flight): the object sums them into
 * its next tick instead of storing and sending a frame per click. An event whose clicks span
 * teams fails if any of its teams' calls fails; the retry is harmless, since each object skips
 * event ids it has counted. It is a duplicate when every team it names had counted it already.
 */
export async function recordClicksPerTeam(events: LinkEvent[], feeds: TeamFeeds): Promise<PerformBatchResult> {
  const calls = [...clickCountsByTeam(events.filter(isClickEvent))].flatMap(([teamId, batches]) =>
    Array.from({ length: Math.ceil(batches.length / MAX_EVENTS_PER_BROADCAST) }, (_, i) => ({
      teamId,
      batches: batches.slice(i * MAX_EVENTS_PER_BROADCAST, (i + 1) * MAX_EVENTS_PER_BROADCAST),
    })),
  );
  const outcomes = await Promise.allSettled(calls.map((input) => feeds.get(feeds.idFromName(input.teamId)).recordClicks(input)));
  const failed = new Map<string, string>();
  const seen = new Map<string, boolean>();
  outcomes.forEach((outcome, index) => {
    const batches = calls[index]?.batches ?? [];
    if (outcome.status === "rejected") {
      for (const batch of batches) if (!failed.has(batch.id)) failed.set(batch.id, `team feed: ${errorMessage(outcome.reason)}`);
      return;
    }
    const duplicates = new Set(outcome.value.duplicates);
    for (const batch of batches) seen.set(batch.id, (seen.get(batch.id) ?? true) && duplicates.has(batch.id));
  });
  return {
    failed: [...failed].map(([eventId, error]) => ({ eventId, error })),
    duplicates: [...seen].filter(([id, duplicate]) => duplicate && !failed.has(id)).map(([id]) => id),
  };
}

const NOTHING_TO_DO: PerformBatchResult = { failed: [] };

/** Lifecycle events go out as event frames; clicks as counts, into the next tick. */
export async function deliverToFeeds(events: LinkEvent[], feeds: TeamFeeds): Promise<PerformBatchResult> {
  const lifecycle = events.filter((event) => !isClickEvent(event));
  const [broadcast, clicks] = await Promise.all([
    lifecycle.length > 0 ? broadcastPerTeam(lifecycle, feeds) : NOTHING_TO_DO,
    recordClicksPerTeam(events, feeds),
  ]);
  return { failed: [...broadcast.failed, ...clicks.failed], duplicates: [...(broadcast.duplicates ?? []), ...(clicks.duplicates ?? [])] };
}

export const dashboardConsumer: ConsumerSpec<DashboardEnv> = {
  subscriber: "dashboard",
  reports: (env) => env.DELIVERY_REPORTS,
  performBatch: (events, env) => deliverToFeeds(events, env.TEAM_FEED),
  // The feed is live: retry soon; an event that arrives late still beats one that never does.
  retry: { baseSeconds: 1, capSeconds: 60 },
};
