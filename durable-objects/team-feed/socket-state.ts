import { z } from "zod";

/** The tag every feed socket is accepted with; broadcasts go to sockets with this tag only. */
export const FEED_TAG = "feed";

/**
 * Per-socket state, kept with the socket by `serializeAttachment` so it survives
 * hibernation (the object's memory does not). Namespaced and versioned: a later shape
 * is a new key, and a socket accepted by older code still reads as what it was.
 */
const attachmentSchema = z.object({
  feed: z.object({
    v: z.literal(1),
    connectionId: z.string().min(1).max(64),
    connectedAt: z.string(),
    /** Events after this position reach the socket live; a `since` replay stops here. */
    liveFrom: z.number().int().nonnegative(),
  }),
});

export type SocketState = z.infer<typeof attachmentSchema>["feed"];

export function writeSocketState(ws: WebSocket, state: SocketState): void {
  ws.serializeAttachment({ feed: state });
}

/** The socket's state, or null when it has none this code understands (never throws). */
export function readSocketState(ws: WebSocket): SocketState | null {
  try {
    const parsed = attachmentSchema.safeParse(ws.deserializeAttachment());
    return parsed.success ? parsed.data.feed : null;
  } catch {
    return null;
  }
}
