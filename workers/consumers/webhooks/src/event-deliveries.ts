import type { LinkEvent } from "../../../../events";
import type { DeliveryMessage } from "./deliver";
import { WEBHOOK_EVENT_NAMES, webhookBody } from "./event-names";
import { newId } from "./ids";

interface EndpointTarget {
  id: string;
  team_id: string;
  events: string;
}

/**
 * The webhooks subscriber's effect: one delivery row per (enabled endpoint of the
 * team subscribed to the event's type, event), and one queue message per delivery, so
 * each endpoint is attempted, retried and failed on its own.
 *
 * Messages go out before the rows are committed: if the commit then fails, the
 * delivery handler finds no row and lets the message go, and the retried event sends
 * again. The other order could commit rows whose message was never sent.
 */
export async function deliveryStatements(events: LinkEvent[], db: D1Database, queue: Queue<DeliveryMessage>): Promise<D1PreparedStatement[]> {
  const teams = [...new Set(events.map((e) => e.teamId))];
  const { results: endpoints } = await db
    .prepare("SELECT id, team_id, events FROM webhook_endpoints WHERE enabled = 1 AND team_id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(teams))
    .all<EndpointTarget>();
  const now = new Date().toISOString();
  const rows = events.flatMap((event) =>
    endpoints
      .filter((ep) => ep.team_id === event.teamId && (JSON.parse(ep.events) as string[]).includes(WEBHOOK_EVENT_NAMES[event.type]))
      .map((ep) => ({ id: newId("dlv"), endpointId: ep.id, teamId: event.teamId, eventId: event.id, eventType: WEBHOOK_EVENT_NAMES[event.type], payload: webhookBody(event), createdAt: now })),
  );
  if (rows.length === 0) return [];
  for (let i = 0; i < rows.length; i += 100) {
    await queue.sendBatch(rows.slice(i, i + 100).map((r) => ({ body: { endpointId: r.endpointId, eventId: r.eventId }, contentType: "json" as const })));
  }
  return [
    db
      .prepare(
        `INSERT OR IGNORE INTO webhook_deliveries (id, endpoint_id, team_id, event_id, event_type, payload, status, attempts, created_at)
         SELECT value->>'id', value->>'endpointId', value->>'teamId', value->>'eventId', value->>'eventType', value->>'payload', 'pending', 0, value->>'createdAt'
         FROM json_each(?)`,
      )
      .bind(JSON.stringify(rows)),
  ];
}
