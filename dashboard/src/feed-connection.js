// The live feed's WebSocket: connects with a fresh token, resumes with `since` after every
// drop (deploys disconnect every socket), backs off with jitter, and notices a dead link.

/** @typedef {"connecting" | "live" | "reconnecting" | "offline" | "unauthorized" | "revoked"} FeedStatus */
/** @typedef {{ id: string, type: string, occurredAt: string, teamId: string, subject: string, data: Record<string, unknown> }} FeedEvent */
/** @typedef {{ linkId: string, slug: string, clicks: number }} ClickCount */
/** A `clicks` frame: human clicks per link since the previous one (a few a second at most). @typedef {{ at: string, counts: ClickCount[] }} ClickTick */

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 30_000;
/** The runtime answers a text "ping" itself, so an idle feed never wakes its Durable Object. */
const HEARTBEAT_EVERY_MS = 25_000;
const HEARTBEAT_TIMEOUT_MS = 10_000;
/** Ids remembered to drop a repeated event (a replay overlapping what already arrived). */
const SEEN_IDS = 2_000;
/** The server's close code for a socket whose API key was revoked (durable-objects/team-feed/feed-rpc.ts): never reconnect. */
export const KEY_REVOKED_CLOSE_CODE = 4001;

/**
 * Exponential backoff with jitter: attempt 0 waits up to the base, each later attempt doubles
 * the ceiling up to the cap; half of it is random so a deploy's reconnects do not arrive together.
 * @param {number} attempt @param {() => number} [random]
 */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** @param {unknown} value @returns {value is ClickCount} */
function isClickCount(value) {
  if (typeof value !== "object" || value === null) return false;
  const count = /** @type {Record<string, unknown>} */ (value);
  return (
    typeof count.linkId === "string" && typeof count.slug === "string" && typeof count.clicks === "number" && Number.isInteger(count.clicks) && count.clicks > 0
  );
}

/** The tick a `clicks` frame carries, or null when the frame is not one this page understands. @param {object} frame @returns {ClickTick | null} */
function clickTickOf(frame) {
  if (!("at" in frame) || typeof frame.at !== "string" || !("counts" in frame) || !Array.isArray(frame.counts)) return null;
  const counts = frame.counts.filter(isClickCount);
  return counts.length > 0 ? { at: frame.at, counts } : null;
}

/** @param {unknown} value @returns {value is FeedEvent} */
function isFeedEvent(value) {
  if (typeof value !== "object" || value === null) return false;
  const event = /** @type {Record<string, unknown>} */ (value);
  return typeof event.id === "string" && typeof event.type === "string" && typeof event.data === "object" && event.data !== null;
}

export class FeedConnection {
  /**
   * @param {{
   *   origin: string,
   *   token: () => Promise<string>,
   *   onEvent: (event: FeedEvent) => void,
   *   onClicks?: (tick: ClickTick) => void,
   *   onResync: () => void,
   *   onStatus: (status: FeedStatus) => void,
   * }} options
   */
  constructor(options) {
    this.options = options;
    /** @type {string | null} the last event seen: where a reconnect resumes */
    this.lastEventId = null;
    this.attempt = 0;
    this.stopped = true;
    /** @type {WebSocket | null} */
    this.socket = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.heartbeat = undefined;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.deadline = undefined;
    /** @type {Set<string>} */
    this.seen = new Set();
    this.onOnline = () => this.reconnectNow();
    this.onOffline = () => {
      this.options.onStatus("offline");
      this.socket?.close();
    };
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    addEventListener("online", this.onOnline);
    addEventListener("offline", this.onOffline);
    void this.open();
  }

  stop() {
    this.stopped = true;
    removeEventListener("online", this.onOnline);
    removeEventListener("offline", this.onOffline);
    clearTimeout(this.retryTimer);
    this.stopHeartbeat();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, "bye");
  }

  reconnectNow() {
    if (this.stopped) return;
    this.attempt = 0;
    clearTimeout(this.retryTimer);
    if (this.socket) this.socket.close();
    else void this.open();
  }

  async open() {
    if (this.stopped) return;
    this.options.onStatus(this.attempt === 0 ? "connecting" : "reconnecting");
    let token;
    try {
      token = await this.options.token();
    } catch (error) {
      const status = typeof error === "object" && error !== null && "status" in error ? error.status : 0;
      if (status === 401) {
        this.options.onStatus("unauthorized");
        this.stop();
        return;
      }
      this.scheduleRetry();
      return;
    }
    if (this.stopped) return;
    const url = new URL("/v1/feed", this.options.origin);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("token", token);
    if (this.lastEventId) url.searchParams.set("since", this.lastEventId);
    const socket = new WebSocket(url);
    this.socket = socket;
    socket.addEventListener("message", (message) => this.receive(message));
    // "error" is always followed by "close": one place decides what happens next.
    socket.addEventListener("close", (event) => this.closed(socket, event.code));
  }

  /** @param {WebSocket} socket @param {number} code */
  closed(socket, code) {
    if (this.socket !== socket) return;
    this.socket = null;
    this.stopHeartbeat();
    if (code === KEY_REVOKED_CLOSE_CODE) {
      // The key is gone for good: a new token would be refused too.
      this.stop();
      this.options.onStatus("revoked");
      return;
    }
    this.scheduleRetry();
  }

  /** @param {MessageEvent} message */
  receive(message) {
    clearTimeout(this.deadline);
    if (typeof message.data !== "string" || message.data === "pong") return;
    /** @type {unknown} */
    let frame;
    try {
      frame = JSON.parse(message.data);
    } catch {
      return;
    }
    if (typeof frame !== "object" || frame === null || !("type" in frame)) return;
    if (frame.type === "event" && "event" in frame && isFeedEvent(frame.event)) this.deliver(frame.event);
    else if (frame.type === "clicks") {
      // Counts, not events: they are never replayed, so they leave `since` where it is.
      const tick = clickTickOf(frame);
      if (tick) this.options.onClicks?.(tick);
    } else if (frame.type === "ready") this.ready("lastEventId" in frame && typeof frame.lastEventId === "string" ? frame.lastEventId : null);
    else if (frame.type === "resync") {
      // What was missed is no longer buffered: start over from the current state.
      this.lastEventId = null;
      this.options.onResync();
    }
  }

  /** @param {FeedEvent} event */
  deliver(event) {
    this.lastEventId = event.id;
    if (this.seen.has(event.id)) return;
    this.seen.add(event.id);
    if (this.seen.size > SEEN_IDS) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.options.onEvent(event);
  }

  /** @param {string | null} serverLastEventId */
  ready(serverLastEventId) {
    this.attempt = 0;
    // A client that has seen nothing yet resumes from where the feed stood when it joined.
    if (!this.lastEventId) this.lastEventId = serverLastEventId;
    this.options.onStatus("live");
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => this.ping(), HEARTBEAT_EVERY_MS);
  }

  ping() {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send("ping");
    // No answer at all means a dead connection the browser has not noticed: drop it and resume.
    this.deadline = setTimeout(() => socket.close(), HEARTBEAT_TIMEOUT_MS);
  }

  stopHeartbeat() {
    clearInterval(this.heartbeat);
    clearTimeout(this.deadline);
  }

  scheduleRetry() {
    if (this.stopped) return;
    if (!navigator.onLine) {
      this.options.onStatus("offline");
      return;
    }
    this.options.onStatus("reconnecting");
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => void this.open(), delay);
  }
}
