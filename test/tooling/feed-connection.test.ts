import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";

// The dashboard's feed client (plain browser JS) run in Node with a stand-in WebSocket: what
// it does when the server closes the socket. The page's JS is type-checked against the DOM by
// dashboard/tsconfig.json; here (Node types) it is loaded by URL and its exports parsed.

interface FeedConnectionLike {
  start(): void;
  stop(): void;
}
type FeedConnectionClass = new (options: {
  origin: string;
  token: () => Promise<string>;
  onEvent: (event: { id: string }) => void;
  onClicks?: (tick: unknown) => void;
  onResync: () => void;
  onStatus: (status: string) => void;
}) => FeedConnectionLike;

const clientModule = z.object({
  FeedConnection: z.custom<FeedConnectionClass>((value) => typeof value === "function"),
  KEY_REVOKED_CLOSE_CODE: z.number(),
});
const { FeedConnection, KEY_REVOKED_CLOSE_CODE } = clientModule.parse(
  await import(/* @vite-ignore */ new URL("../../dashboard/src/feed-connection.js", import.meta.url).href),
);

class FakeSocket extends EventTarget {
  static readonly OPEN = 1;
  static opened: FakeSocket[] = [];
  readyState = FakeSocket.OPEN;
  constructor(readonly url: URL) {
    super();
    FakeSocket.opened.push(this);
  }
  send(): void {}
  /** A frame from the server. */
  receive(frame: unknown): void {
    this.dispatchEvent(Object.assign(new Event("message"), { data: typeof frame === "string" ? frame : JSON.stringify(frame) }));
  }
  close(code = 1005): void {
    this.readyState = 3;
    this.dispatchEvent(Object.assign(new Event("close"), { code }));
  }
}

function connection(statuses: string[]): FeedConnectionLike {
  return new FeedConnection({
    origin: "https://lf.test",
    token: async () => "ft2.token",
    onEvent: () => {},
    onResync: () => {},
    onStatus: (status) => statuses.push(status),
  });
}

describe("dashboard FeedConnection", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.opened = [];
    vi.stubGlobal("WebSocket", FakeSocket);
    vi.stubGlobal("navigator", { onLine: true });
    vi.stubGlobal("addEventListener", () => {});
    vi.stubGlobal("removeEventListener", () => {});
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it("stops and reports the key as revoked when the server closes with 4001, never reconnecting", async () => {
    const statuses: string[] = [];
    const feed = connection(statuses);
    feed.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(FakeSocket.opened).toHaveLength(1);
    FakeSocket.opened[0]?.close(KEY_REVOKED_CLOSE_CODE);
    expect(statuses.at(-1)).toBe("revoked");
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeSocket.opened).toHaveLength(1);
    expect(statuses).not.toContain("reconnecting");
  });

  it("hands clicks frames to onClicks, drops malformed ones, and resumes after the last event, not a tick", async () => {
    const ticks: unknown[] = [];
    const events: string[] = [];
    const feed = new FeedConnection({
      origin: "https://lf.test",
      token: async () => "ft2.token",
      onEvent: (event) => events.push(event.id),
      onClicks: (tick) => ticks.push(tick),
      onResync: () => {},
      onStatus: () => {},
    });
    feed.start();
    await vi.advanceTimersByTimeAsync(0);
    const socket = FakeSocket.opened[0];
    const counts = [{ linkId: "lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC", slug: "launch", clicks: 3 }];
    socket?.receive({ type: "ready", lastEventId: null, replayed: 0 });
    socket?.receive({
      type: "event",
      event: { id: "evt_1", type: "LinkCreated", occurredAt: "2026-12-01T10:00:00.000Z", teamId: "team_1", subject: "lnk_1", data: {} },
    });
    socket?.receive({ type: "clicks", at: "2026-12-01T10:00:01.000Z", counts });
    socket?.receive({ type: "clicks", at: "2026-12-01T10:00:01.250Z", counts: [{ linkId: "lnk_x", clicks: "many" }] });
    socket?.receive({ type: "clicks", at: "2026-12-01T10:00:01.500Z" });
    expect(ticks).toEqual([{ at: "2026-12-01T10:00:01.000Z", counts }]);
    expect(events).toEqual(["evt_1"]);
    socket?.close(1006);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(FakeSocket.opened[1]?.url.searchParams.get("since")).toBe("evt_1");
    feed.stop();
  });

  it("reconnects with backoff after any other close", async () => {
    const statuses: string[] = [];
    const feed = connection(statuses);
    feed.start();
    await vi.advanceTimersByTimeAsync(0);
    FakeSocket.opened[0]?.close(1006);
    expect(statuses.at(-1)).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(FakeSocket.opened).toHaveLength(2);
    feed.stop();
  });
});
