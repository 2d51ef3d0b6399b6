// The links table: rendered from GET /v1/links, then kept current by feed events and click ticks.
// Every value is set as text (never as HTML): titles, tags and URLs are user input.

import { element, externalLink as link, routeLink } from "./dom.js";

/** @typedef {import("./schemas.js").Link} Link */
/** @typedef {import("./feed-connection.js").FeedEvent} FeedEvent */
/** @typedef {import("./feed-connection.js").ClickCount} ClickCount */

const COLUMNS = ["Short link", "Destination", "Title", "Tags", "Clicks", "Created", ""];
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** @param {unknown} value @returns {value is Omit<Link, "shortUrl">} */
function isSnapshot(value) {
  return typeof value === "object" && value !== null && "id" in value && "slug" in value && "url" in value && "tags" in value && "createdAt" in value;
}

export class LinksView {
  /** @param {HTMLTableSectionElement} body @param {HTMLElement} empty @param {string} origin */
  constructor(body, empty, origin) {
    this.body = body;
    this.empty = empty;
    this.origin = origin;
    /** @type {Map<string, { link: Link, clicks: number | null, live: number, row: HTMLTableRowElement }>} */
    this.rows = new Map();
    /** While a search or tag filter is on, links created live may not match it: they are not added. */
    this.filtered = false;
  }

  clear() {
    this.rows.clear();
    this.body.replaceChildren();
    this.updateEmpty();
  }

  /** Appends a page of links (older ones go below). @param {Link[]} links */
  append(links) {
    for (const item of links) {
      if (this.rows.has(item.id)) continue;
      this.body.append(this.render(item));
    }
    this.updateEmpty();
  }

  /** @param {string} id @param {number | null} clicks */
  setClicks(id, clicks) {
    const entry = this.rows.get(id);
    if (!entry) return;
    entry.clicks = clicks;
    entry.live = 0;
    this.paintClicks(entry);
  }

  /** Where short links live: the event's domain (LinkCreated v2) when it is not this origin's. @param {unknown} domain */
  shortBase(domain) {
    return typeof domain === "string" && domain !== new URL(this.origin).host ? `https://${domain}` : this.origin;
  }

  ids() {
    return [...this.rows.keys()];
  }

  /** Applies one feed event to the table. @param {FeedEvent} event */
  apply(event) {
    const data = event.data;
    if ((event.type === "LinkCreated" || event.type === "LinkUpdated") && isSnapshot(data.link)) {
      const snapshot = { ...data.link, shortUrl: `${this.shortBase(data.domain)}/${data.link.slug}` };
      const existing = this.rows.get(snapshot.id);
      if (existing) {
        const row = this.render(snapshot, existing);
        existing.row.replaceWith(row);
        flash(row);
      } else if (event.type === "LinkCreated" && !this.filtered) {
        const row = this.render(snapshot);
        this.body.prepend(row);
        flash(row);
      }
    } else if (event.type === "LinkDeleted" && typeof data.linkId === "string") {
      this.rows.get(data.linkId)?.row.remove();
      this.rows.delete(data.linkId);
    }
    this.updateEmpty();
  }

  /** Adds clicks seen live (a tick's counts) to the links listed here. @param {ClickCount[]} counts */
  addClicks(counts) {
    for (const count of counts) {
      const entry = this.rows.get(count.linkId);
      if (!entry) continue;
      entry.live += count.clicks;
      this.paintClicks(entry);
    }
  }

  /**
   * @param {Link} item
   * @param {{ clicks: number | null, live: number }} [counts] kept when a row is re-rendered
   */
  render(item, counts = { clicks: null, live: 0 }) {
    const row = element("tr");
    row.dataset.linkId = item.id;
    const short = element("td");
    short.append(link(item.shortUrl, `/${item.slug}`));
    const destination = element("td", { className: "destination" });
    destination.append(link(item.url, item.url));
    const tagList = element(
      "span",
      { className: "tags" },
      item.tags.map((tag) => element("span", { text: String(tag), className: "tag" })),
    );
    const tags = element("td", {}, [tagList]);
    const clicks = element("td", { className: "number clicks" });
    const created = element("td");
    const time = element("time", { text: dateFormat.format(new Date(item.createdAt)) });
    time.dateTime = item.createdAt;
    created.append(time);
    const details = element("td", {}, [routeLink(`links/${item.id}`, "Details")]);
    details.firstElementChild?.setAttribute("aria-label", `Details of /${item.slug}: stats, QR code, events`);
    const cells = [short, destination, element("td", { text: item.title ?? "" }), tags, clicks, created, details];
    // On a phone each row is a card: the cells name their column themselves (views.css).
    cells.forEach((cell, index) => (cell.dataset.label = COLUMNS[index] ?? ""));
    row.append(...cells);
    const entry = { link: item, clicks: counts.clicks, live: counts.live, row };
    this.rows.set(item.id, entry);
    this.paintClicks(entry);
    return row;
  }

  /** @param {{ clicks: number | null, live: number, row: HTMLTableRowElement }} entry */
  paintClicks(entry) {
    const cell = entry.row.querySelector(".clicks");
    if (!cell) return;
    // Stats may be unavailable: then the count is what this page has seen live.
    cell.textContent = entry.clicks === null && entry.live === 0 ? "—" : String((entry.clicks ?? 0) + entry.live);
  }

  updateEmpty() {
    this.empty.hidden = this.rows.size > 0;
  }
}

/** Draws the eye to a row that just changed (no animation when reduced motion is asked for). @param {HTMLElement} row */
function flash(row) {
  // Only where it is seen now: an animation put on a hidden view would play when the view is
  // shown again, flagging a change from long ago. Removed when done, so it never replays.
  if (row.closest("[hidden]")) return;
  row.classList.add("flash");
  row.addEventListener("animationend", () => row.classList.remove("flash"), { once: true });
}
