// A dashboard client of the live feed (POST /v1/feed/token, then the WebSocket GET /v1/feed):
// notes when each event's frame arrived, and how many times.
import { z } from "zod";
import { callOrThrow } from "./api.mjs";

const tokenShape = z.object({ token: z.string() });
const frameShape = z.union([
  z.object({ type: z.literal("event"), event: z.object({ id: z.string(), type: z.string(), subject: z.string() }) }),
  z.object({ type: z.string() }),
]);

/**
 * @typedef {object} FeedListener
 * @property {(subject: string, type: string) => number | undefined} firstAt arrival of the first frame of that event
 * @property {() => { events: number, frames: number }} totals
 * @property {() => void} close
 */

/**
 * Opens the team's feed and resolves once the server says it is live.
 * @param {URL} base
 * @param {import("./api.mjs").Team} team
 * @returns {Promise<FeedListener>}
 */
export async function listenFeed(base, team) {
  const { token } = await callOrThrow(tokenShape, base, "POST", "/v1/feed/token", team.auth);
  const url = new URL("/v1/feed", base);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("token", token);
  const ws = new WebSocket(url);
  /** @type {Map<string, { at: number, count: number }>} */
  const seen = new Map();
  let frames = 0;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the feed did not say ready within 30 s")), 30_000);
    ws.addEventListener("error", () => reject(new Error("the feed's WebSocket failed")));
    ws.addEventListener("message", (message) => {
      const at = performance.timeOrigin + performance.now();
      const frame = frameShape.parse(JSON.parse(String(message.data)));
      if ("event" in frame) {
        frames++;
        const key = `${frame.event.type} ${frame.event.subject}`;
        const entry = seen.get(key);
        if (entry) entry.count++;
        else seen.set(key, { at, count: 1 });
      } else if (frame.type === "ready") {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
  });
  return {
    firstAt: (subject, type) => seen.get(`${type} ${subject}`)?.at,
    totals: () => ({ events: seen.size, frames }),
    close: () => ws.close(1000, "bench done"),
  };
}
