import { z } from "zod";
import { AUDIT_EVENT_TYPES, auditEventSchemas } from "./audit-events";
import { clicksRecordedSchema, clicksRecordedV1, clicksRecordedV2 } from "./clicks-recorded";
import { linkClickedV1, linkClickedV2, linkCreatedV1, linkCreatedV2, linkCreatedV3, linkDeletedV1, linkUpdatedV1, linkUpdatedV2 } from "./link-events";

export * from "./audit-events";
export * from "./click-records";
export * from "./clicks-recorded";
export * from "./envelope";
export * from "./link-controls";
export * from "./link-events";

/**
 * Every event type and version still in flight. A consumer accepts all of them;
 * schemas only ever change additively, by adding a new version here.
 */
export const eventSchemas = [
  linkCreatedV1,
  linkCreatedV2,
  linkCreatedV3,
  linkUpdatedV1,
  linkUpdatedV2,
  linkDeletedV1,
  linkClickedV1,
  linkClickedV2,
  clicksRecordedV1,
  clicksRecordedV2,
] as const;

/** What producers emit today; older versions above stay accepted while in flight. */
export const CURRENT_VERSION = { LinkCreated: 3, LinkUpdated: 2, LinkDeleted: 1, LinkClicked: 2, ClicksRecorded: 2 } as const;

/**
 * Any event in flight, picked by `type` (and, for a type with several versions, `version`): one
 * member is checked, not each in turn until one fits. That is four times cheaper for the
 * events that come last in the list (LinkClicked, parsed five times on its way: fan-out, three
 * consumers, the live feed), and the errors name what is wrong with that member instead of
 * listing why every other member did not fit either.
 */
export const linkEventSchema = z.discriminatedUnion("type", [
  z.discriminatedUnion("version", [linkCreatedV1, linkCreatedV2, linkCreatedV3]),
  z.discriminatedUnion("version", [linkUpdatedV1, linkUpdatedV2]),
  linkDeletedV1,
  z.discriminatedUnion("version", [linkClickedV1, linkClickedV2]),
  clicksRecordedSchema,
]);
export type LinkEvent = z.infer<typeof linkEventSchema>;
export type LinkEventType = LinkEvent["type"];
export type EventOf<T extends LinkEventType> = Extract<LinkEvent, { type: T }>;

export const EVENT_TYPES = ["LinkCreated", "LinkUpdated", "LinkDeleted", "LinkClicked", "ClicksRecorded"] as const satisfies readonly LinkEventType[];
export const eventTypeSchema = z.enum(EVENT_TYPES);

/** Parses anything claiming to be an event; the error says which part is wrong. */
export function parseEvent(input: unknown) {
  return linkEventSchema.safeParse(input);
}

/**
 * Everything the topics carry: link events (and the click batches of `click-events`) plus the
 * audit trail (audit-events.ts): linkEventSchema's members and the audit schemas, listed once
 * each. The fan-out and the ledger parse with this; consumers keep parsing
 * with linkEventSchema, since no subscription lists an audit type (the fan-out sends an event
 * only to the subscribers whose `types` name it).
 */
export const logEventSchemas = [...eventSchemas, ...auditEventSchemas] as const;
export const logEventSchema = z.discriminatedUnion("type", [...linkEventSchema.options, ...auditEventSchemas]);
export type LogEvent = z.infer<typeof logEventSchema>;
export type LogEventType = LogEvent["type"];

export const LOG_EVENT_TYPES = [...EVENT_TYPES, ...AUDIT_EVENT_TYPES] as const satisfies readonly LogEventType[];
export const logEventTypeSchema = z.enum(LOG_EVENT_TYPES);

/** Versions producers emit today, for every type in the log. */
export const CURRENT_LOG_VERSION = {
  ...CURRENT_VERSION,
  TeamCreated: 1,
  ApiKeyMinted: 1,
  ApiKeyRevoked: 1,
  ReplayStarted: 1,
  RedriveStarted: 1,
} as const satisfies Record<LogEventType, number>;

/** Parses anything claiming to be an event of the log (link or audit). */
export function parseLogEvent(input: unknown) {
  return logEventSchema.safeParse(input);
}
