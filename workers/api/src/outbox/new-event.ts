import type { LinkEvent } from "../../../../events";
import { linkEventSchema } from "../../../../events";
import type { events } from "../../../../db/links";
import { newId } from "../ids";

type Envelope<T extends LinkEvent["type"]> = Extract<LinkEvent, { type: T }>;

export interface EventContext {
  teamId: string;
  traceId: string;
  occurredAt: string;
}

/**
 * Builds an envelope and checks it against `events/` before anything is written:
 * the producer never stores or sends an event its consumers would refuse.
 */
export function newEvent<T extends LinkEvent["type"]>(
  type: T,
  version: Envelope<T>["version"],
  subject: string,
  data: Envelope<T>["data"],
  ctx: EventContext,
): Envelope<T> {
  const envelope = {
    id: newId("evt"),
    type,
    version,
    occurredAt: ctx.occurredAt,
    teamId: ctx.teamId,
    subject,
    traceId: ctx.traceId,
    data,
  };
  return linkEventSchema.parse(envelope) as Envelope<T>;
}

/** The outbox row for an envelope: the event log keeps the envelope exactly as sent. */
export function eventRow(envelope: LinkEvent): typeof events.$inferInsert {
  return {
    id: envelope.id,
    type: envelope.type,
    version: envelope.version,
    teamId: envelope.teamId,
    subject: envelope.subject,
    traceId: envelope.traceId,
    occurredAt: envelope.occurredAt,
    envelope: JSON.stringify(envelope),
    createdAt: new Date().toISOString(),
  };
}
