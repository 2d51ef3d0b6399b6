// The live feed list: newest first, announced politely to screen readers (aria-live on the list).
// Lifecycle events get an item each; clicks never do: they add up in one summary item.

import { routeLink } from "./dom.js";

/** @typedef {import("./feed-connection.js").FeedEvent} FeedEvent */
/** @typedef {import("./feed-connection.js").ClickTick} ClickTick */

/** Enough to follow what is happening; older items scroll off so the page stays light. */
const MAX_ITEMS = 200;
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });
/** A click summary item covers at most a minute; the next tick after that starts a new one. */
const SUMMARY_SPAN_MS = 60_000;
/** Links named in a summary item, busiest first; the rest are counted as "more". */
const SUMMARY_LINKS = 5;

/** @param {Record<string, unknown>} data @returns {string} */
function slugOf(data) {
  const link = data.link;
  if (typeof link === "object" && link !== null && "slug" in link && typeof link.slug === "string") return link.slug;
  return typeof data.slug === "string" ? data.slug : "?";
}

/** What an event says, in a few words. @param {FeedEvent} event @returns {[string, string]} */
export function describe(event) {
  const data = event.data;
  const slug = `/${slugOf(data)}`;
  const link = typeof data.link === "object" && data.link !== null ? /** @type {Record<string, unknown>} */ (data.link) : {};
  switch (event.type) {
    case "LinkCreated":
      return ["Created", `${slug} → ${typeof link.url === "string" ? link.url : ""}`];
    case "LinkUpdated": {
      const changed = Array.isArray(data.changed) ? data.changed.join(", ") : "";
      return ["Updated", changed ? `${slug} (${changed})` : slug];
    }
    case "LinkDeleted":
      return ["Deleted", slug];
    default:
      return [event.type, event.subject];
  }
}

/** @param {number} n */
function clicksText(n) {
  return `${n.toLocaleString()} click${n === 1 ? "" : "s"}`;
}

export class FeedView {
  /** @param {HTMLOListElement} list @param {HTMLElement} empty */
  constructor(list, empty) {
    this.list = list;
    this.empty = empty;
    /** @type {{ item: HTMLLIElement, text: Text, since: number, total: number, slugs: Map<string, number> } | null} the click summary still on top */
    this.summary = null;
  }

  /**
   * Adds a tick to the click summary on top of the list (a new one when an event came in
   * between or the summary is a minute old): "12 clicks · /launch 7, /docs 5". Updated in
   * place, so screen readers (aria-relevant="additions") are not told every tick.
   * @param {ClickTick} tick
   */
  clicks(tick) {
    const parsed = Date.parse(tick.at);
    const at = Number.isNaN(parsed) ? Date.now() : parsed;
    let summary = this.summary;
    if (!summary || this.list.firstElementChild !== summary.item || at - summary.since >= SUMMARY_SPAN_MS) {
      const item = document.createElement("li");
      item.dataset.type = "clicks";
      const time = document.createElement("time");
      time.dateTime = new Date(at).toISOString();
      time.textContent = timeFormat.format(new Date(at));
      const label = document.createElement("span");
      label.className = "feed-kind";
      label.textContent = "Clicks ";
      const text = document.createTextNode("");
      item.append(time, label, text);
      this.list.prepend(item);
      this.trim();
      summary = { item, text, since: at, total: 0, slugs: new Map() };
      this.summary = summary;
    }
    for (const count of tick.counts) {
      summary.total += count.clicks;
      const slug = `/${count.slug}`;
      summary.slugs.set(slug, (summary.slugs.get(slug) ?? 0) + count.clicks);
    }
    const busiest = [...summary.slugs].sort((a, b) => b[1] - a[1]);
    const named = busiest.slice(0, SUMMARY_LINKS).map(([slug, n]) => `${slug} ${n.toLocaleString()}`);
    const more = busiest.length > SUMMARY_LINKS ? `, ${busiest.length - SUMMARY_LINKS} more links` : "";
    summary.text.textContent = `${clicksText(summary.total)} · ${named.join(", ")}${more}`;
  }

  trim() {
    while (this.list.children.length > MAX_ITEMS) this.list.lastElementChild?.remove();
    this.empty.hidden = true;
  }

  /** @param {FeedEvent} event */
  add(event) {
    const [kind, text] = describe(event);
    const item = document.createElement("li");
    item.dataset.eventId = event.id;
    item.dataset.type = event.type;
    const time = document.createElement("time");
    time.dateTime = event.occurredAt;
    time.textContent = timeFormat.format(new Date(event.occurredAt));
    const label = document.createElement("span");
    label.className = "feed-kind";
    label.textContent = `${kind} `;
    const traceLink = routeLink(`events/${event.id}`, "Trace");
    traceLink.setAttribute("aria-label", `Trace of this ${kind.toLowerCase()} event: where it was delivered`);
    item.append(time, label, document.createTextNode(`${text} `), traceLink);
    this.list.prepend(item);
    this.trim();
  }

  /** A line of the page's own, e.g. that the state was reloaded. @param {string} text */
  note(text) {
    const item = document.createElement("li");
    item.className = "hint";
    item.textContent = text;
    this.list.prepend(item);
  }
}
