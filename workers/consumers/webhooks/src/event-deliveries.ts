import { z } from "zod";
import type { LinkEvent } from "../../../../events";
import type { DeliveryMessage } from "./delivery-message";
import { WEBHOOK_EVENT_NAMES, webhookBody } from "./event-names";
import { newId } from "./ids";

const endpointTargetSchema = z.object({
  id: z.string(),
  teamId: z.string(),
  events: z.string().transform((text) => z.array(z.string()).parse(JSON.parse(text))),
});

/**
 * The webhooks subscriber's effect: one delivery row per (enabled endpoint of the team
 * subscribed to the event's type, event), and one queue message per delivery, so each
 * endpoint is attempted, retried and failed on its own.
 *
 * Messages go out before the rows are committed: if the commit then fails, the delivery
 * handler finds no row and lets the message go, and the retried event sends again. The
 * other order could commit rows whose message was never sent. A message sent twice (the
 * toolkit's per-event fallback runs this again) makes one attempt: attempts claim the row.
 */
export async function deliveryStatements(events: LinkEvent[], db: D1Database, queue: Queue<DeliveryMessage>): Promise<D1PreparedStatement[]> {
  const teams = [...new Set(events.map((e) => e.teamId))];
  // json_each keeps it one bound parameter however many teams the batch holds (D1 allows 100).
  const { results } = await db
    .prepare("SELECT id, team_id AS teamId, events FROM webhook_endpoints WHERE enabled = 1 AND team_id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(teams))
    .all();
  const endpoints = z.array(endpointTargetSchema).parse(results);
  const now = new Date().toISOString();
  const rows = events.flatMap((event) =>
    event.type === "ClicksRecorded"
      ? []
      : endpoints
      .filter((ep) => ep.teamId === event.teamId && ep.events.includes(WEBHOOK_EVENT_NAMES[event.type]))
      .map((ep) => ({ id: newId("dlv"), endpointId: ep.id, teamId: event.teamId, eventId: event.id, eventType: WEBHOOK_EVENT_NAMES[event.type], payload: webhookBody(event), createdAt: now })),
  );
  if (rows.length === 0) return [];
  for (let i = 0; i < rows.length; i += 100) {
    const messages = rows.slice(i, i + 100).map((r) => ({ body: { endpointId: r.endpointId, eventId: r.eventId, attempt: 1 }, contentType: "json" as const }));
    await queue.sendBatch(messages);
  }
  return chunkBySize(rows, MAX_PARAMETER_BYTES).map((chunk) =>
    db
      .prepare(
        `INSERT OR IGNORE INTO webhook_deliveries (id, endpoint_id, team_id, event_id, event_type, payload, status, attempts, created_at)
         SELECT value->>'id', value->>'endpointId', value->>'teamId', value->>'eventId', value->>'eventType', value->>'payload', 'pending', 0, value->>'createdAt'
         FROM json_each(?)`,
      )
      .bind(JSON.stringify(chunk)),
  );
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
