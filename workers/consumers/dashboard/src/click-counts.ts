import type { EventOf, LinkEvent } from "#events";
import type { ClickCount, RecordClicksInput } from "../../../../durable-objects/team-feed/feed-rpc";

type ClickBatch = RecordClicksInput["batches"][number];

/** The click events of a batch: packed batches, and LinkClicked events still in flight from before them. */
export function isClickEvent(event: LinkEvent): event is EventOf<"ClicksRecorded"> | EventOf<"LinkClicked"> {
  return event.type === "ClicksRecorded" || event.type === "LinkClicked";
}

/**
 * Human clicks per team and link, one entry per event (the object's unit of idempotency is the
 * event id: a ClicksRecorded batch, or a LinkClicked event). A batch holding several teams'
 * clicks gives each team its own share under the same id. Bot and HEAD clicks are not counted:
 * the live counters add to the stats' `clicks`, which leave them out. An event without a human
 * click gives nothing to send.
 */
export function clickCountsByTeam(events: (EventOf<"ClicksRecorded"> | EventOf<"LinkClicked">)[]): Map<string, ClickBatch[]> {
  const teams = new Map<string, ClickBatch[]>();
  const add = (teamId: string, batch: ClickBatch) => {
    const list = teams.get(teamId);
    if (list) list.push(batch);
    else teams.set(teamId, [batch]);
  };
  for (const event of events) {
    if (event.type === "LinkClicked") {
      if (event.data.bot || event.data.method !== "GET") continue;
      add(event.teamId, { id: event.id, counts: [{ linkId: event.data.linkId, teamId: event.teamId, slug: event.data.slug, clicks: 1 }] });
      continue;
    }
    const perLink = new Map<number, number>();
    for (const [link] of event.data.clicks) perLink.set(link, (perLink.get(link) ?? 0) + 1);
    const perTeam = new Map<string, ClickCount[]>();
    for (const [link, clicks] of perLink) {
      const target = event.data.links[link];
      if (!target) continue; // the schema refuses an index out of range
      const counts = perTeam.get(target.teamId);
      const count = { linkId: target.linkId, teamId: target.teamId, slug: target.slug, clicks };
      if (counts) counts.push(count);
      else perTeam.set(target.teamId, [count]);
    }
    for (const [teamId, counts] of perTeam) add(teamId, { id: event.id, counts });
  }
  return teams;
}
