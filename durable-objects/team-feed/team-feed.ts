import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { errorMessage, logger } from "../../workers/shared/log";
import { EventBuffer, migrateFeedStorage } from "./event-buffer";
import {
  broadcastInputSchema,
  closeKeyInputSchema,
  connectParamsSchema,
  recordClicksInputSchema,
  FEED_CLOSE,
  SOCKET_CAP_RETRY_AFTER_SECONDS,
  type BroadcastResult,
  type CloseKeyResult,
  type RecordClicksResult,
} from "./feed-rpc";
import { chunkCounts, ClickTicks, TICK_INTERVAL_MS } from "./click-ticks";
import { clicksFrame, errorFrame, eventFrame, parseClientFrame, pongFrame, rateLimitedFrame, readyFrame, replayedFrame, resyncFrame } from "./frames";
import { RevokedKeys } from "./revoked-keys";
import {
  FAULT_RULE,
  FEED_TAG,
  freshLimits,
  keyTag,
  readSocketLimits,
  readSocketState,
  REPLAY_RULE,
  writeSocketLimits,
  writeSocketState,
  type SocketLimits,
} from "./socket-state";
import { TeamBinding } from "./team-binding";
import { take } from "./token-bucket";

export type { BroadcastResult, CloseKeyResult, RecordClicksResult } from "./feed-rpc";

const log = logger("team-feed");

function jsonError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error: { code, message } }, { status, headers });
}

/**
 * The live feed of one team (one object per team: `idFromName(teamId)`).
 *
 * Clients connect over WebSockets accepted with the hibernation API, so an idle feed
 * costs nothing: the object may be evicted between events and every socket stays
 * connected; ping/pong is answered by the runtime without waking it. Nothing needed
 * across events lives in memory — sockets come from `ctx.getWebSockets`, per-socket
 * state from their attachments, recent events from SQLite.
 *
 * Clicks are not events here: recordClicks sums their counts (SQLite, click-ticks.ts) and
 * an alarm sends them as one `clicks` frame per socket at most every TICK_INTERVAL_MS.
 */
export class TeamFeed extends DurableObject {
  private readonly buffer: EventBuffer;
  private readonly team: TeamBinding;
  private readonly revokedKeys: RevokedKeys;
  private readonly ticks: ClickTicks;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    migrateFeedStorage(ctx.storage.sql);
    this.buffer = new EventBuffer(ctx.storage.sql);
    this.team = new TeamBinding(ctx.storage.sql, ctx.id.name);
    this.revokedKeys = new RevokedKeys(ctx.storage.sql);
    this.ticks = new ClickTicks(ctx.storage.sql);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /**
   * A WebSocket upgrade from the api Worker, which has already checked the client's token
   * and that its key is not revoked, and passes the team, the key and the plan's socket cap.
   * Over the cap the upgrade is refused with 429 before any socket is accepted.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return jsonError(426, "upgrade_required", "Connect with a WebSocket.", { upgrade: "websocket" });
    }
    const query = connectParamsSchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) return jsonError(400, "invalid_request", "`since` must be an event id; team, key and maxSockets are required.");
    const { team, key, maxSockets, since } = query.data;
    const claim = this.team.claim(team);
    if (!claim.ok) {
      log.error("feed connect for another team refused", { team, boundTo: claim.boundTo });
      return jsonError(403, "forbidden", "This feed belongs to another team.");
    }
    if (this.revokedKeys.has(key)) return jsonError(401, "unauthorized", "The API key of this feed token has been revoked.");
    if (this.ctx.getWebSockets(FEED_TAG).length >= maxSockets) {
      return jsonError(429, "rate_limited", `At most ${maxSockets} live-feed sockets may be open at once for this team's plan; close one or retry later.`, {
        "retry-after": String(SOCKET_CAP_RETRY_AFTER_SECONDS),
      });
    }

    const { 0: client, 1: server } = new WebSocketPair();
    const connectionId = crypto.randomUUID();
    this.ctx.acceptWebSocket(server, [FEED_TAG, `conn:${connectionId}`, keyTag(key)]);
    // From here to the return nothing awaits, so no broadcast can run in between:
    // everything up to `liveFrom` is replayed, everything after reaches the socket live.
    const liveFrom = this.buffer.latestSeq();
    const now = Date.now();
    const limits = freshLimits(now);
    // A replay on connect is one of the socket's replays (a reconnect needs just that one).
    if (since !== undefined) limits.replays.tokens -= 1;
    writeSocketState(server, { v: 1, connectionId, connectedAt: new Date(now).toISOString(), liveFrom }, limits);
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
    const parsed = broadcastInputSchema.safeParse(input);
    if (!parsed.success) throw new Error(`TeamFeed.broadcast: invalid events: ${z.prettifyError(parsed.error)}`);
    const { teamId, events } = parsed.data;
    // A consumer bug must never leak one team's events to another team's clients: every
    // event must be of the team the call names, and that team must be this object's.
    const foreign = events.filter((event) => event.teamId !== teamId);
    if (foreign.length > 0) throw new Error(`TeamFeed.broadcast: events of another team (${foreign.map((e) => e.id).join(", ")})`);
    const claim = this.team.claim(teamId);
    if (!claim.ok) throw new Error(`TeamFeed.broadcast: events of another team (this feed is ${claim.boundTo}'s, the call names ${teamId})`);

    const fresh = this.buffer.append(events);
    const frames = fresh.map((event) => eventFrame(event.envelope));
    const sockets = this.ctx.getWebSockets(FEED_TAG);
    if (frames.length > 0) for (const ws of sockets) for (const frame of frames) send(ws, frame);
    const stored = new Set(fresh.map((event) => event.eventId));
    const duplicates = events.filter((event) => !stored.delete(event.id)).map((event) => event.id);
    return { stored: fresh.length, duplicates, sockets: sockets.length };
  }

  /**
   * Click counts, never a frame per click: the counts of batches this object has not seen
   * are summed per link and go out as one `clicks` frame per socket at the next tick, at
   * most every TICK_INTERVAL_MS. A redelivered batch (same id) is skipped, so the caller may
   * retry a failed call. Nothing is stored for replay: a client that reconnects reloads the
   * counts over HTTP.
   */
  async recordClicks(input: unknown): Promise<RecordClicksResult> {
    const parsed = recordClicksInputSchema.safeParse(input);
    if (!parsed.success) throw new Error(`TeamFeed.recordClicks: invalid counts: ${z.prettifyError(parsed.error)}`);
    const { teamId, batches } = parsed.data;
    const foreign = batches.filter((batch) => batch.counts.some((count) => count.teamId !== teamId));
    if (foreign.length > 0) throw new Error(`TeamFeed.recordClicks: clicks of another team (${foreign.map((b) => b.id).join(", ")})`);
    const claim = this.team.claim(teamId);
    if (!claim.ok) throw new Error(`TeamFeed.recordClicks: clicks of another team (this feed is ${claim.boundTo}'s, the call names ${teamId})`);

    const sockets = this.ctx.getWebSockets(FEED_TAG).length;
    const { fresh, duplicates } = this.ticks.record(batches, sockets > 0);
    if (sockets > 0 && fresh.length > 0) await this.scheduleTick();
    return { counted: fresh.length, duplicates, sockets };
  }

  /** The tick: sends what is pending to every socket; the alarm survives eviction, and so do the counts. */
  override async alarm(): Promise<void> {
    const counts = this.ticks.drain();
    if (counts.length === 0) return;
    const now = new Date();
    this.ticks.markTick(now.getTime());
    const frames = chunkCounts(counts).map((chunk) => clicksFrame(now, chunk));
    for (const ws of this.ctx.getWebSockets(FEED_TAG)) for (const frame of frames) send(ws, frame);
  }

  /** Sets the alarm for the next tick unless one is set: right away when the last tick is old enough. */
  private async scheduleTick(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) !== null) return;
    await this.ctx.storage.setAlarm(Math.max(Date.now(), this.ticks.lastTickAt() + TICK_INTERVAL_MS));
  }

  /**
   * The API key has been revoked: closes every socket opened with it (close code 4001, which
   * tells the client not to reconnect) and refuses connects with it from now on. Idempotent.
   */
  async closeKey(input: unknown): Promise<CloseKeyResult> {
    const parsed = closeKeyInputSchema.safeParse(input);
    if (!parsed.success) throw new Error(`TeamFeed.closeKey: invalid input: ${z.prettifyError(parsed.error)}`);
    const claim = this.team.claim(parsed.data.teamId);
    if (!claim.ok) throw new Error(`TeamFeed.closeKey: a key of another team (this feed is ${claim.boundTo}'s)`);
    this.revokedKeys.remember(parsed.data.keyId, Date.now());
    const sockets = this.ctx.getWebSockets(keyTag(parsed.data.keyId));
    for (const ws of sockets) close(ws, FEED_CLOSE.keyRevoked.code, FEED_CLOSE.keyRevoked.reason);
    return { closed: sockets.length };
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    try {
      const now = Date.now();
      const limits = readSocketLimits(ws, now);
      const parsed = parseClientFrame(message);
      if (!parsed.ok) {
        refuse(ws, limits, now, errorFrame("invalid_frame", parsed.message, parsed.issues));
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
      const replay = take(limits.replays, REPLAY_RULE, now);
      limits.replays = replay.bucket;
      if (!replay.ok) {
        const message = `At most ${REPLAY_RULE.capacity} replays at once and one every ${REPLAY_RULE.refillMs / 1000} s; retry in ${replay.retryAfterSeconds} s.`;
        refuse(ws, limits, now, rateLimitedFrame(message, replay.retryAfterSeconds));
        return;
      }
      writeSocketLimits(ws, limits);
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
    close(ws, 1011, "socket error");
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
}

/**
 * Answers a refused frame and counts it against the socket's fault budget; a socket that
 * has spent it is closed with 1008 (policy violation) instead of being answered forever.
 */
function refuse(ws: WebSocket, limits: SocketLimits, now: number, frame: string): void {
  const fault = take(limits.faults, FAULT_RULE, now);
  limits.faults = fault.bucket;
  if (!fault.ok) {
    log.warn("feed socket closed for refused frames", { connectionId: readSocketState(ws)?.connectionId ?? null });
    close(ws, FEED_CLOSE.policyViolation.code, FEED_CLOSE.policyViolation.reason);
    return;
  }
  writeSocketLimits(ws, limits);
  send(ws, frame);
}

function close(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // The socket is gone already.
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
