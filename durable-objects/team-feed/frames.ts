import { z } from "zod";
import { eventIdSchema, isoDateTimeSchema, linkEventSchema, linkIdSchema } from "#events";

/** Client frames are tiny; anything larger is a mistake or abuse, refused before parsing. */
export const MAX_CLIENT_FRAME_BYTES = 4_096;

/** What a client may send: a JSON ping, or a request to replay what it missed after an event. */
export const clientFrameSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("ping") }),
  z.strictObject({ type: z.literal("since"), eventId: eventIdSchema }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

/** `rate_limited`: the frame asked for more than the socket may (see socket-state.ts); `retryAfter` says when to ask again. */
export type FrameErrorCode = "invalid_frame" | "rate_limited" | "internal";

export type ParsedFrame = { ok: true; frame: ClientFrame } | { ok: false; message: string; issues?: { path: string; message: string }[] };

/** Parses one client message; never throws, whatever the bytes are. */
export function parseClientFrame(message: string | ArrayBuffer): ParsedFrame {
  if (typeof message !== "string") return { ok: false, message: "Frames are JSON text; binary frames are not accepted." };
  if (message.length > MAX_CLIENT_FRAME_BYTES) return { ok: false, message: `Frames are at most ${MAX_CLIENT_FRAME_BYTES} bytes.` };
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return { ok: false, message: "The frame is not valid JSON." };
  }
  const parsed = clientFrameSchema.safeParse(json);
  if (parsed.success) return { ok: true, frame: parsed.data };
  const issues = parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
  return { ok: false, message: 'Expected {"type": "ping"} or {"type": "since", "eventId": "evt_..."}.', issues };
}

// Server frames. An event frame is built from the stored envelope text, once per event,
// and the same string goes to every socket: no re-serialising per client.

export function eventFrame(envelope: string): string {
  return `{"type":"event","event":${envelope}}`;
}

/** Human clicks per link since the previous tick (at most a few a second; click-ticks.ts). */
export interface TickCount {
  linkId: string;
  slug: string;
  clicks: number;
}

export function clicksFrame(at: Date, counts: TickCount[]): string {
  return JSON.stringify({ type: "clicks", at: at.toISOString(), counts });
}

/** After the connect-time replay: the client is live; `lastEventId` is where it stands. */
export function readyFrame(lastEventId: string | null, replayed: number): string {
  return JSON.stringify({ type: "ready", lastEventId, replayed });
}

/** The end of a `since` replay asked for by frame. */
export function replayedFrame(replayed: number): string {
  return JSON.stringify({ type: "replayed", replayed });
}

/** The events after `since` are not all buffered any more: reload the state over HTTP, then listen. */
export function resyncFrame(since: string, reason: "unknown_event" | "evicted" | "no_connection_state"): string {
  return JSON.stringify({ type: "resync", since, reason });
}

export function pongFrame(): string {
  return JSON.stringify({ type: "pong" });
}

export function errorFrame(code: FrameErrorCode, message: string, issues?: { path: string; message: string }[]): string {
  return JSON.stringify({ type: "error", error: issues && issues.length > 0 ? { code, message, issues } : { code, message } });
}

/** A frame refused for the socket's rate limit: seconds until the same frame would be served. */
export function rateLimitedFrame(message: string, retryAfter: number): string {
  return JSON.stringify({ type: "error", error: { code: "rate_limited", message, retryAfter } });
}

/** Every frame the server sends, for clients and tests that parse what they receive. */
export const serverFrameSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("event"), event: linkEventSchema }),
  z.strictObject({
    type: z.literal("clicks"),
    at: isoDateTimeSchema,
    counts: z.array(z.strictObject({ linkId: linkIdSchema, slug: z.string().min(1), clicks: z.number().int().positive() })).min(1),
  }),
  z.strictObject({ type: z.literal("ready"), lastEventId: eventIdSchema.nullable(), replayed: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal("replayed"), replayed: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal("resync"), since: eventIdSchema, reason: z.enum(["unknown_event", "evicted", "no_connection_state"]) }),
  z.strictObject({ type: z.literal("pong") }),
  z.strictObject({
    type: z.literal("error"),
    error: z.strictObject({
      code: z.enum(["invalid_frame", "rate_limited", "internal"]),
      message: z.string(),
      retryAfter: z.number().int().positive().optional(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  }),
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;
