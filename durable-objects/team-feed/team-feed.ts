import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { eventIdSchema, linkEventSchema, teamIdSchema } from "../../events";
import { errorMessage, logger } from "../../workers/shared/log";
import { EventBuffer, migrateFeedStorage } from "./event-buffer";
import { errorFrame, eventFrame, parseClientFrame, pongFrame, readyFrame, replayedFrame, resyncFrame } from "./frames";
import { FEED_TAG, readSocketState, writeSocketState } from "./socket-state";

const log = logger("team-feed");

/** One RPC call carries at most one queue batch's worth of events. */
const MAX_EVENTS_PER_BROADCAST = 100;
const broadcastInput = z.array(linkEventSchema).min(1).max(MAX_EVENTS_PER_BROADCAST);
const connectQuery = z.object({ since: eventIdSchema.optional() });

export interface BroadcastResult {
  /** Events new to this object, stored and sent. */
  stored: number;
  /** Ids of events it had already seen (redeliveries): neither stored nor sent again. */
  duplicates: string[];
  /** Sockets the new events were sent to. */
  sockets: number;
}

/**
 * The live feed of one team (one object per team: `idFromName(teamId)`).
 *
 * Clients connect over WebSockets accepted with the hibernation API, so an idle feed
 * costs nothing: the object may be evicted between events and every socket stays
 * connected; ping/pong is answered by the runtime without waking it. Nothing needed
 * across events lives in memory — sockets come from `ctx.getWebSockets`, per-socket
 * state from their attachments, recent events from SQLite.
 */
export class TeamFeed extends DurableObject {
  private readonly buffer: EventBuffer;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    migrateFeedStorage(ctx.storage.sql);
    this.buffer = new EventBuffer(ctx.storage.sql);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** A WebSocket upgrade from the api Worker, which has already checked the client's token for this team. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: { code: "upgrade_required", message: "Connect with a WebSocket." } }, { status: 426, headers: { upgrade: "websocket" } });
    }
    const query = connectQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) {
      return Response.json({ error: { code: "invalid_request", message: "`since` must be an event id." } }, { status: 400 });
    }

    const { 0: client, 1: server } = new WebSocketPair();
    const connectionId = crypto.randomUUID();
    this.ctx.acceptWebSocket(server, [FEED_TAG, `conn:${connectionId}`]);
    // From here to the return nothing awaits, so no broadcast can run in between:
    // everything up to `liveFrom` is replayed, everything after reaches the socket live.
    const liveFrom = this.buffer.latestSeq();
    writeSocketState(server, { v: 1, connectionId, connectedAt: new Date().toISOString(), liveFrom });
    const since = query.data.since;
    const replayed = since === undefined ? 0 : this.replay(server, since, liveFrom);
    send(server, readyFrame(this.buffer.latestEventId(), replayed));
    return new Response(null, { status: 101, webSocket: client });
  }

  /**
   * Stores the events this object has not seen yet and sends them to every socket,
   * in order of arrival. Redelivered events are recognised by id and skipped, so the
   * caller may retry a failed call with the same events.
   */
  async broadcast(input: unknown): Promise<BroadcastResult> {
    const parsed = broadcastInput.safeParse(input);
    if (!parsed.success) throw new Error(`TeamFeed.broadcast: invalid events: ${z.prettifyError(parsed.error)}`);
    const team = this.teamId();
    const foreign = team === null ? [] : parsed.data.filter((event) => event.teamId !== team);
    // A consumer bug must never leak one team's events to another team's clients.
    if (foreign.length > 0) throw new Error(`TeamFeed.broadcast: events of another team (${foreign.map((e) => e.id).join(", ")})`);

    const fresh = this.buffer.append(parsed.data);
    const frames = fresh.map((event) => eventFrame(event.envelope));
    const sockets = this.ctx.getWebSockets(FEED_TAG);
    if (frames.length > 0) for (const ws of sockets) for (const frame of frames) send(ws, frame);
    const stored = new Set(fresh.map((event) => event.eventId));
    const duplicates = parsed.data.filter((event) => !stored.delete(event.id)).map((event) => event.id);
    return { stored: fresh.length, duplicates, sockets: sockets.length };
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      const parsed = parseClientFrame(message);
      if (!parsed.ok) {
        send(ws, errorFrame("invalid_frame", parsed.message, parsed.issues));
        return;
      }
      if (parsed.frame.type === "ping") {
        send(ws, pongFrame());
        return;
      }
      const state = readSocketState(ws);
      if (!state) {
        // Without its connection state the object cannot tell what reached this socket live.
        send(ws, resyncFrame(parsed.frame.eventId, "no_connection_state"));
        return;
      }
      send(ws, replayedFrame(this.replay(ws, parsed.frame.eventId, state.liveFrom)));
    } catch (error) {
      log.error("feed message failed", { error: errorMessage(error) });
      send(ws, errorFrame("internal", "The frame could not be handled."));
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      // Complete the closing handshake; codes that may not be sent on the wire become a normal close.
      ws.close(sendableCloseCode(code), reason.slice(0, 120));
    } catch {
      // Already closed (or the runtime answered the close itself): nothing left to do.
    }
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    log.warn("feed socket error", { connectionId: readSocketState(ws)?.connectionId ?? null, error: errorMessage(error) });
    try {
      ws.close(1011, "socket error");
    } catch {
      // The socket is gone already.
    }
  }

  /** Sends what arrived after `since` up to `upTo`; returns how many events were replayed (0 after a resync). */
  private replay(ws: WebSocket, since: string, upTo: number): number {
    const result = this.buffer.after(since, upTo);
    if (!result.ok) {
      send(ws, resyncFrame(since, result.reason));
      return 0;
    }
    for (const event of result.events) send(ws, eventFrame(event.envelope));
    return result.events.length;
  }

  /** The team this object belongs to: its name, when the runtime tells it. */
  private teamId(): string | null {
    const parsed = teamIdSchema.safeParse(this.ctx.id.name);
    return parsed.success ? parsed.data : null;
  }
}

/** A send to one socket never stops the others: a socket closing mid-broadcast just misses the frame. */
function send(ws: WebSocket, frame: string): void {
  try {
    ws.send(frame);
  } catch (error) {
    log.warn("feed send failed", { connectionId: readSocketState(ws)?.connectionId ?? null, error: errorMessage(error) });
  }
}

function sendableCloseCode(code: number): number {
  const sendable = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  return sendable ? code : 1000;
}
