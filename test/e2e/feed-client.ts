import type { LinkEvent } from "#events";
import { serverFrameSchema, type ServerFrame } from "../../durable-objects/team-feed/frames";
import { baseUrl, type Team } from "./client";

/** A Node WebSocket client of GET /v1/feed that records what it receives. */
export interface FeedListener {
  ws: WebSocket;
  /** Every event frame's event, in the order received. */
  events: LinkEvent[];
  /** Frames that were not events (ready, resync, error ...). */
  others: Exclude<ServerFrame, { type: "event" }>[];
  close(): void;
}

export async function feedToken(team: Team): Promise<string> {
  const res = await fetch(`${baseUrl}/v1/feed/token`, { method: "POST", headers: team.auth });
  const body = (await res.json()) as { token?: unknown };
  if (res.status !== 201 || typeof body.token !== "string") throw new Error(`POST /v1/feed/token answered ${res.status}: ${JSON.stringify(body)}`);
  return body.token;
}

/** Opens the team's feed and resolves once the server says it is live (after any replay). */
export async function listen(team: Team, since?: string): Promise<FeedListener> {
  const url = new URL("/v1/feed", baseUrl.replace(/^http/, "ws"));
  url.searchParams.set("token", await feedToken(team));
  if (since) url.searchParams.set("since", since);
  const ws = new WebSocket(url);
  const listener: FeedListener = { ws, events: [], others: [], close: () => ws.close(1000, "done") };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the feed did not say ready within 30 s")), 30_000);
    ws.addEventListener("error", () => {
      clearTimeout(timer);
      reject(new Error("the feed's WebSocket failed to open"));
    });
    ws.addEventListener("message", (message) => {
      // Parsed strictly: every event must pass the events/ schemas on its way to a client.
      const frame = serverFrameSchema.parse(JSON.parse(String(message.data)));
      if (frame.type === "event") listener.events.push(frame.event);
      else listener.others.push(frame);
      if (frame.type === "ready") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return listener;
}
