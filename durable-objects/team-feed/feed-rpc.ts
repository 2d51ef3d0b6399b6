import { z } from "zod";
import { eventIdSchema, linkEventSchema, linkIdSchema, MAX_BATCH_DICTIONARY, teamIdSchema, type LinkEvent } from "#events";

// The TeamFeed's contract with its callers (the api Worker, which hosts it, and the
// dashboard consumer, which binds it by script_name): RPC inputs and results, the
// connect request's parameters and the close codes clients see. Each input says which
// team it is meant for; the object checks that against the team it belongs to.

/** One RPC call carries at most one queue batch's worth of events. */
export const MAX_EVENTS_PER_BROADCAST = 100;

export const keyIdSchema = z.string().regex(/^key_[0-9A-HJKMNP-TV-Z]{26}$/, "expected an API key id");

/** Click types never travel as events to the feed: their counts go through recordClicks. */
export const CLICK_EVENT_TYPES = ["LinkClicked", "ClicksRecorded"] as const satisfies readonly LinkEvent["type"][];
const feedEventSchema = linkEventSchema.refine((event) => !(CLICK_EVENT_TYPES as readonly string[]).includes(event.type), {
  message: "clicks are not feed events: send their counts with recordClicks",
});

export const broadcastInputSchema = z.strictObject({
  teamId: teamIdSchema,
  events: z.array(feedEventSchema).min(1).max(MAX_EVENTS_PER_BROADCAST),
});
export interface BroadcastInput {
  teamId: string;
  events: LinkEvent[];
}

export interface BroadcastResult {
  /** Events new to this object, stored and sent. */
  stored: number;
  /** Ids of events it had already seen (redeliveries): neither stored nor sent again. */
  duplicates: string[];
  /** Sockets the new events were sent to. */
  sockets: number;
}

/**
 * Human clicks per link, the unit of the live counters. Bots and HEAD requests are not
 * counted: the counters add to the stats' `clicks`, which leave them out too.
 */
export const clickCountSchema = z.strictObject({
  linkId: linkIdSchema,
  /** Checked against the call's team, as broadcast checks each event's: no slug leaks across teams. */
  teamId: teamIdSchema,
  slug: z.string().min(1).max(64),
  clicks: z.number().int().min(1).max(1_000_000),
});
export type ClickCount = z.infer<typeof clickCountSchema>;

/**
 * One call per team and queue batch. Each entry is one unit of idempotency: a ClicksRecorded
 * batch's clicks of this team (its id), or one LinkClicked event still in flight (its id).
 * An id the object has seen before is skipped, so a redelivered batch never doubles a tick.
 */
export const recordClicksInputSchema = z.strictObject({
  teamId: teamIdSchema,
  batches: z
    .array(z.strictObject({ id: eventIdSchema, counts: z.array(clickCountSchema).min(1).max(MAX_BATCH_DICTIONARY) }))
    .min(1)
    .max(MAX_EVENTS_PER_BROADCAST),
});
export type RecordClicksInput = z.infer<typeof recordClicksInputSchema>;

export interface RecordClicksResult {
  /** Batches new to this object: their counts are added to the next tick. */
  counted: number;
  /** Ids of batches it had already seen (redeliveries): not counted again. */
  duplicates: string[];
  /** Sockets open; with none the counts are not kept (nobody is watching), the ids still are. */
  sockets: number;
}

export const closeKeyInputSchema = z.strictObject({ teamId: teamIdSchema, keyId: keyIdSchema });
export type CloseKeyInput = z.infer<typeof closeKeyInputSchema>;
export interface CloseKeyResult {
  /** Sockets opened with the key that were closed. */
  closed: number;
}

/** What the api Worker tells the object on a WebSocket upgrade, after checking the token and the key. */
export const connectParamsSchema = z.strictObject({
  team: teamIdSchema,
  key: keyIdSchema,
  /** The team's plan limit (limitsOf(plan).feedSockets): sockets open at once. */
  maxSockets: z.coerce.number().int().min(1).max(100_000),
  since: eventIdSchema.optional(),
});
export type ConnectParams = z.infer<typeof connectParamsSchema>;

export function connectUrl(params: ConnectParams): URL {
  const url = new URL("https://team-feed/connect");
  url.searchParams.set("team", params.team);
  url.searchParams.set("key", params.key);
  url.searchParams.set("maxSockets", String(params.maxSockets));
  if (params.since) url.searchParams.set("since", params.since);
  return url;
}

/**
 * Close codes the object sends. 4001 (application range) is ours: the API key the socket
 * was opened with has been revoked, so reconnecting is pointless. 1008 is the standard
 * "policy violation": the socket kept sending frames the object refused.
 */
export const FEED_CLOSE = {
  keyRevoked: { code: 4001, reason: "api key revoked" },
  policyViolation: { code: 1008, reason: "too many refused frames" },
} as const;

/** How long a client refused for the socket cap is told to wait before trying again. */
export const SOCKET_CAP_RETRY_AFTER_SECONDS = 30;
