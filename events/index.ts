import { z } from "zod";
import { linkClickedV1, linkCreatedV1, linkCreatedV2, linkDeletedV1, linkUpdatedV1 } from "./link-events";

export * from "./envelope";
export * from "./link-events";

/**
 * Every event type and version still in flight. A consumer accepts all of them;
 * schemas only ever change additively, by adding a new version here.
 */
export const eventSchemas = [linkCreatedV1, linkCreatedV2, linkUpdatedV1, linkDeletedV1, linkClickedV1] as const;

/** What producers emit today; older versions above stay accepted while in flight. */
export const CURRENT_VERSION = { LinkCreated: 2, LinkUpdated: 1, LinkDeleted: 1, LinkClicked: 1 } as const;

/**
 * Any event in flight, picked by `type` (and, for a type with several versions, `version`): one
 * member is checked, not each in turn until one fits. That is four times cheaper for the
 * events that come last in the list (LinkClicked, parsed five times on its way: fan-out, three
 * consumers, the live feed), and the errors name what is wrong with that member instead of
 * listing why every other member did not fit either.
 */
export const linkEventSchema = z.discriminatedUnion("type", [
  z.discriminatedUnion("version", [linkCreatedV1, linkCreatedV2]),
  linkUpdatedV1,
  linkDeletedV1,
  linkClickedV1,
]);
export type LinkEvent = z.infer<typeof linkEventSchema>;
export type LinkEventType = LinkEvent["type"];
export type EventOf<T extends LinkEventType> = Extract<LinkEvent, { type: T }>;

export const EVENT_TYPES = ["LinkCreated", "LinkUpdated", "LinkDeleted", "LinkClicked"] as const satisfies readonly LinkEventType[];
export const eventTypeSchema = z.enum(EVENT_TYPES);

/** Parses anything claiming to be an event; the error says which part is wrong. */
export function parseEvent(input: unknown) {
  return linkEventSchema.safeParse(input);
}
