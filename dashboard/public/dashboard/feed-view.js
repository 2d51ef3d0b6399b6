// The live feed list: newest first, announced politely to screen readers (aria-live on the list).

/** @typedef {import("./feed-connection.js").FeedEvent} FeedEvent */

/** Enough to follow what is happening; older items scroll off so the page stays light. */
const MAX_ITEMS = 200;
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

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
    case "LinkClicked": {
      const where = [data.country, data.referrerHost].filter((v) => typeof v === "string" && v !== "").join(", ");
      return ["Clicked", `${slug}${where ? ` (${where})` : ""}${data.bot === true ? " · bot" : ""}`];
    }
    default:
      return [event.type, event.subject];
  }
}

export class FeedView {
  /** @param {HTMLOListElement} list @param {HTMLElement} empty */
  constructor(list, empty) {
    this.list = list;
    this.empty = empty;
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
    item.append(time, label, document.createTextNode(text));
    this.list.prepend(item);
    while (this.list.children.length > MAX_ITEMS) this.list.lastElementChild?.remove();
    this.empty.hidden = true;
  }

  /** A line of the page's own, e.g. that the state was reloaded. @param {string} text */
  note(text) {
    const item = document.createElement("li");
    item.className = "hint";
    item.textContent = text;
    this.list.prepend(item);
  }
}
