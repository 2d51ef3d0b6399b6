import { z } from "zod";
import { bucketSchema, fullBucket, type BucketRule } from "./token-bucket";

/** The tag every feed socket is accepted with; broadcasts go to sockets with this tag only. */
export const FEED_TAG = "feed";

/** The tag of the sockets opened with one API key: revoking the key closes them. */
export function keyTag(keyId: string): string {
  return `key:${keyId}`;
}

/**
 * `since` frames a socket may send: a burst of 5, then one every 12 s (5 a minute). A
 * replay is up to 1,000 events (~12 KB each way for a few bytes in), the one frame that
 * costs the object real work; reconnecting clients need one, not dozens.
 */
export const REPLAY_RULE: BucketRule = { capacity: 5, refillMs: 12_000 };
/**
 * Frames refused (invalid, or over the replay rule) a socket may send: 10, then one every
 * 6 s. A client that keeps going after that is broken or abusive: it is closed with 1008.
 */
export const FAULT_RULE: BucketRule = { capacity: 10, refillMs: 6_000 };

/**
 * Per-socket state, kept with the socket by `serializeAttachment` so it survives
 * hibernation (the object's memory does not). Namespaced and versioned: a later shape
 * is a new key, and a socket accepted by older code still reads as what it was.
 */
const feedStateSchema = z.object({
  v: z.literal(1),
  connectionId: z.string().min(1).max(64),
  connectedAt: z.string(),
  /** Events after this position reach the socket live; a `since` replay stops here. */
  liveFrom: z.number().int().nonnegative(),
});
const limitsSchema = z.object({ v: z.literal(1), replays: bucketSchema, faults: bucketSchema });

export type SocketState = z.infer<typeof feedStateSchema>;
export type SocketLimits = z.infer<typeof limitsSchema>;

export function freshLimits(now: number): SocketLimits {
  return { v: 1, replays: fullBucket(REPLAY_RULE, now), faults: fullBucket(FAULT_RULE, now) };
}

const attachmentSchema = z.record(z.string(), z.unknown());

/** The attachment's keys, or an empty record when there is none this code can read (never throws). */
function readAttachment(ws: WebSocket): Record<string, unknown> {
  try {
    const parsed = attachmentSchema.safeParse(ws.deserializeAttachment());
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/** Each key is read on its own: an unreadable `limits` never costs the socket its `feed` state. */
function readKey<T>(ws: WebSocket, key: "feed" | "limits", schema: z.ZodType<T>): T | null {
  const parsed = schema.safeParse(readAttachment(ws)[key]);
  return parsed.success ? parsed.data : null;
}

export function writeSocketState(ws: WebSocket, state: SocketState, limits: SocketLimits): void {
  ws.serializeAttachment({ feed: state, limits });
}

/** The socket's state, or null when it has none this code understands (never throws). */
export function readSocketState(ws: WebSocket): SocketState | null {
  return readKey(ws, "feed", feedStateSchema);
}

/** The socket's rate limits; a socket without readable ones (accepted by older code) starts afresh. */
export function readSocketLimits(ws: WebSocket, now: number): SocketLimits {
  return readKey(ws, "limits", limitsSchema) ?? freshLimits(now);
}

/** Stores new limits, keeping the rest of the attachment as it is. */
export function writeSocketLimits(ws: WebSocket, limits: SocketLimits): void {
  ws.serializeAttachment({ ...readAttachment(ws), limits });
}
