import { z } from "zod";
import type { LinkEvent } from "#events";
import type { CommitPlan } from "../../../shared/consumer/consumer-spec";
import type { DeliveryMessage } from "./delivery-message";
import { clickEventsFor, clickingTeamsOf } from "./click-webhooks";
import { WEBHOOK_EVENT_NAMES, webhookBody, type WebhookSourceEvent } from "./event-names";
import { newId } from "../../../shared/ids";

const endpointTargetSchema = z.object({
  id: z.string(),
  teamId: z.string(),
  events: z.string().transform((text) => z.array(z.string()).parse(JSON.parse(text))),
});
type EndpointTarget = z.infer<typeof endpointTargetSchema>;

/** Teams per endpoint lookup: one lookup for any real batch, and its bound JSON far below D1's 2 MB. */
const TEAMS_PER_LOOKUP = 10_000;
/**
 * sendBatch takes 100 messages and 256 KB: a delivery message is at most ~200 bytes
 * (two ids of at most 64 characters and a number), so 100 of them stay under 25 KB.
 */
const MESSAGES_PER_SEND = 100;

/**
 * The webhooks subscriber's effect: one delivery row per (enabled endpoint of the team
 * subscribed to the event's type, event), and one queue message per delivery, so each
 * endpoint is attempted, retried and failed on its own. A ClicksRecorded batch stands for
 * one LinkClicked per human click (click-webhooks.ts): only the clicks of teams with a
 * link.clicked endpoint are expanded, so a batch of other teams' clicks costs one indexed
 * lookup of their endpoints and writes nothing.
 *
 * The messages are the plan's `beforeCommit`: the toolkit sends them before the rows are
 * committed. If the commit then fails, the delivery handler finds no row and lets the message
 * go, and the retried event sends again. The other order could commit rows whose message was
 * never sent. A message sent twice (the toolkit's per-event fallback plans and sends again)
 * makes one attempt: attempts claim the row. A batch handed over again before its receipt was
 * written makes the same click ids, so `INSERT OR IGNORE` on (endpoint, event) keeps one
 * delivery per click.
 */
export async function planDeliveries(events: LinkEvent[], db: D1Database, queue: Queue<DeliveryMessage>): Promise<CommitPlan> {
  const teams = [...new Set(events.flatMap((e) => (e.type === "ClicksRecorded" ? clickingTeamsOf(e) : [e.teamId])))];
  const byTeam = await endpointsByTeam(db, teams);
  if (byTeam.size === 0) return NOTHING;
  const clickTeams = new Set([...byTeam].filter(([, eps]) => eps.some((ep) => ep.events.includes(WEBHOOK_EVENT_NAMES.LinkClicked))).map(([team]) => team));
  const sources = events.flatMap((event): WebhookSourceEvent[] => (event.type === "ClicksRecorded" ? clickEventsFor(event, clickTeams) : [event]));
  const now = new Date().toISOString();
  const rows = sources.flatMap((event) => {
    const eventType = WEBHOOK_EVENT_NAMES[event.type];
    const subscribed = (byTeam.get(event.teamId) ?? []).filter((ep) => ep.events.includes(eventType));
    if (subscribed.length === 0) return [];
    const payload = webhookBody(event);
    return subscribed.map((ep) => ({ id: newId("dlv"), endpointId: ep.id, teamId: event.teamId, eventId: event.id, eventType, payload, createdAt: now }));
  });
  if (rows.length === 0) return NOTHING;
  const statements = chunkBySize(rows, MAX_PARAMETER_BYTES).map((chunk) =>
    db
      .prepare(
        `INSERT OR IGNORE INTO webhook_deliveries (id, endpoint_id, team_id, event_id, event_type, payload, status, attempts, created_at)
         SELECT value->>'id', value->>'endpointId', value->>'teamId', value->>'eventId', value->>'eventType', value->>'payload', 'pending', 0, value->>'createdAt'
         FROM json_each(?)`,
      )
      .bind(JSON.stringify(chunk)),
  );
  return { statements, beforeCommit: () => sendDeliveryMessages(queue, rows) };
}

const NOTHING: CommitPlan = { statements: [] };

/** The first attempt's message of each delivery, in sendBatch-sized slices. */
async function sendDeliveryMessages(queue: Queue<DeliveryMessage>, rows: { endpointId: string; eventId: string }[]): Promise<void> {
  for (let i = 0; i < rows.length; i += MESSAGES_PER_SEND) {
    const messages = rows
      .slice(i, i + MESSAGES_PER_SEND)
      .map((r) => ({ body: { endpointId: r.endpointId, eventId: r.eventId, attempt: 1 }, contentType: "json" as const }));
    await queue.sendBatch(messages);
  }
}

/** The enabled endpoints of `teams`, by team (teams without one are absent). */
async function endpointsByTeam(db: D1Database, teams: string[]): Promise<Map<string, EndpointTarget[]>> {
  const byTeam = new Map<string, EndpointTarget[]>();
  for (let i = 0; i < teams.length; i += TEAMS_PER_LOOKUP) {
    // json_each keeps it one bound parameter however many teams the batch holds (D1 allows 100).
    const { results } = await db
      .prepare("SELECT id, team_id AS teamId, events FROM webhook_endpoints WHERE enabled = 1 AND team_id IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(teams.slice(i, i + TEAMS_PER_LOOKUP)))
      .all();
    for (const endpoint of z.array(endpointTargetSchema).parse(results)) byTeam.set(endpoint.teamId, [...(byTeam.get(endpoint.teamId) ?? []), endpoint]);
  }
  return byTeam;
}

/** D1 takes a bound string of up to 2 MB; a batch of events for many endpoints can outgrow one. */
const MAX_PARAMETER_BYTES = 512 * 1024;

function chunkBySize<T extends { payload: string }>(rows: T[], maxBytes: number): T[][] {
  const chunks: T[][] = [[]];
  let size = 0;
  for (const row of rows) {
    const rowSize = row.payload.length * 2 + 256; // JSON-escaped, with its other fields
    const last = chunks.at(-1) ?? [];
    if (last.length > 0 && size + rowSize > maxBytes) {
      chunks.push([row]);
      size = rowSize;
    } else {
      last.push(row);
      size += rowSize;
    }
  }
  return chunks;
}
