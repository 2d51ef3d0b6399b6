// The live feed's state in the top bar, said honestly: connecting, live, reconnecting (and from
// which event it will resume, the `since` it sends), offline, or the key refused or revoked.
import { byId } from "./dom.js";

/** @typedef {import("./feed-connection.js").FeedStatus} FeedStatus */

const STATUS_TEXT = {
  idle: "Not connected",
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline, will reconnect",
  unauthorized: "API key refused",
  revoked: "API key revoked",
};

/** Whether the feed has been live since the key was entered: a new connection after that is a reconnect. */
let wasLive = false;

/** @param {FeedStatus | "idle"} status @param {string | null} since the last event seen: where a reconnect resumes */
export function showStatus(status, since) {
  if (status === "idle" || status === "unauthorized" || status === "revoked") wasLive = false;
  if (status === "live") wasLive = true;
  // The feed starts each new socket as "connecting" (its backoff starts over after an
  // online event); once it has been live, that is a reconnect, and it resumes from `since`.
  const shown = status === "connecting" && wasLive ? "reconnecting" : status;
  const line = byId("connection-status", HTMLElement);
  line.dataset.state = shown;
  byId("connection-text", HTMLElement).textContent = STATUS_TEXT[shown];
  const detail = byId("feed-detail", HTMLElement);
  if (shown === "reconnecting" || shown === "offline") {
    detail.textContent = since ? `The connection dropped; it resumes after event ${since}, so nothing is missed.` : "The connection dropped; reconnecting.";
  } else {
    detail.textContent = "";
  }
  line.title = detail.textContent;
}
