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

/** @param {FeedStatus | "idle"} status @param {string | null} since the last event seen: where a reconnect resumes */
export function showStatus(status, since) {
  const line = byId("connection-status", HTMLElement);
  line.dataset.state = status;
  byId("connection-text", HTMLElement).textContent = STATUS_TEXT[status];
  const detail = byId("feed-detail", HTMLElement);
  if (status === "reconnecting" || status === "offline") {
    detail.textContent = since ? `The connection dropped; it resumes after event ${since}, so nothing is missed.` : "The connection dropped; reconnecting.";
  } else {
    detail.textContent = "";
  }
  line.title = detail.textContent;
}
