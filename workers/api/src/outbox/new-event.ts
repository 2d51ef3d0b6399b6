import type { LogEvent } from "#events";
import { logEventSchema } from "#events";
import type { events } from "#db/links";
import { newId } from "../../../shared/ids";

type Envelope<T extends LogEvent["type"]> = Extract<LogEvent, { type: T }>;

export interface EventContext {
  teamId: string;
  traceId: string;
  occurredAt: string;
}

/**
 * Builds an envelope and checks it against `events/` before anything is written:
 * the producer never stores or sends an event its consumers would refuse.
 */
export function newEvent<T extends LogEvent["type"]>(
  type: T,
  version: Envelope<T>["version"],
  subject: string,
  data: Envelope<T>["data"],
  ctx: EventContext,
): Envelope<T> {
  // The same parse the fan-out runs (logEventSchema picks the one member by type and version).
  return logEventSchema.parse(uncheckedEvent(type, version, subject, data, ctx)) as Envelope<T>;
}

/**
 * The envelope as newEvent builds it, without the schema check: only for an event whose data
 * are valid by construction and made so often that the check would be a large part of its
 * cost (LinkClicked, one per redirect). Its tests parse what it makes with `events/`, and the
 * fan-out parses every message before any consumer sees it (dead-lettering what fails).
 */
export function uncheckedEvent<T extends LogEvent["type"]>(
  type: T,
  version: Envelope<T>["version"],
  subject: string,
  data: Envelope<T>["data"],
  ctx: EventContext,
): Envelope<T> {
  return {
    id: newId("evt"),
    type,
    version,
    occurredAt: ctx.occurredAt,
    teamId: ctx.teamId,
    subject,
    traceId: ctx.traceId,
    data,
  } as Envelope<T>;
}

/** The outbox row for an envelope: the event log keeps the envelope exactly as sent. */
export function eventRow(envelope: LogEvent): typeof events.$inferInsert {
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
