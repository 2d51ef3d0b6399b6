import type { LinkEvent } from "../../../../events";
import type { ConsumerSpec, PerformBatchResult } from "../../../shared/consumer/consumer-spec";
import { errorMessage } from "../../../shared/log";
import type { BroadcastInput, BroadcastResult } from "../../../../durable-objects/team-feed/feed-rpc";

/** What the consumer uses of the TEAM_FEED binding. */
export interface TeamFeeds {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): { broadcast(input: BroadcastInput): Promise<BroadcastResult> };
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

export const dashboardConsumer: ConsumerSpec<DashboardEnv> = {
  subscriber: "dashboard",
  reports: (env) => env.DELIVERY_REPORTS,
  performBatch: (events, env) => broadcastPerTeam(events, env.TEAM_FEED),
  // The feed is live: retry soon; an event that arrives late still beats one that never does.
  retry: { baseSeconds: 1, capSeconds: 60 },
};
