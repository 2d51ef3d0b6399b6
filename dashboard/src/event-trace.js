// One event and where it went (GET /v1/events/:id): each subscriber's delivery drawn on a
// timeline that starts at the event's time, with its status, attempts, duplicates skipped and
// last error. While deliveries are still under way (or the event is fresh, so late subscribers
// may still report) the view asks again every couple of seconds.
import { isObject } from "./api-core.js";
import { byId, element, formatDateTime, formatDuration, messageOf, routeLink } from "./dom.js";

/** @typedef {import("./api-client.js").ApiClient} ApiClient */
/** @typedef {import("./schemas.js").EventTrace} EventTrace */
/** @typedef {import("./schemas.js").SubscriberDelivery} SubscriberDelivery */

const POLL_MS = 2_000;
/** Subscribers report within seconds: a younger event may still gain rows. */
const FRESH_MS = 60_000;
const STATUS_TEXT = { pending: "Pending", delivered: "Delivered", retrying: "Retrying", dead: "Dead (gave up)" };

/** @param {SubscriberDelivery} d @param {number} start @param {number} now */
function elapsedOf(d, start, now) {
  const end = d.processedAt ? Date.parse(d.processedAt) : now;
  return Number.isNaN(end) ? 0 : Math.max(0, end - start);
}

export class EventTraceView {
  constructor() {
    this.heading = byId("event-heading", HTMLElement);
    this.back = byId("event-back", HTMLElement);
    this.root = byId("event-trace", HTMLElement);
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    this.eventId = "";
  }

  /** @param {ApiClient} client @param {string} eventId */
  async show(client, eventId) {
    this.leave();
    this.eventId = eventId;
    this.heading.textContent = "Event";
    this.root.replaceChildren(element("p", { className: "hint", text: "Loading…" }));
    await this.refresh(client, eventId);
  }

  /** @param {ApiClient} client @param {string} eventId */
  async refresh(client, eventId) {
    /** @type {EventTrace} */
    let trace;
    try {
      trace = await client.eventTrace(eventId);
    } catch (error) {
      if (this.eventId === eventId)
        this.root.replaceChildren(element("p", { className: "error", attrs: { role: "alert" }, text: `Event not loaded: ${messageOf(error)}` }));
      return;
    }
    if (this.eventId !== eventId) return;
    this.render(trace);
    const unsettled = trace.deliveries.some((d) => d.status === "pending" || d.status === "retrying");
    const fresh = Date.now() - Date.parse(trace.event.occurredAt) < FRESH_MS;
    if (unsettled || fresh || trace.deliveries.length === 0) this.timer = setTimeout(() => void this.refresh(client, eventId), POLL_MS);
  }

  /** @param {EventTrace} trace */
  render({ event, deliveries }) {
    const link = event.data.link;
    const slug = typeof event.data.slug === "string" ? event.data.slug : isObject(link) && typeof link.slug === "string" ? link.slug : null;
    this.heading.textContent = `${event.type}${slug ? ` · /${slug}` : ""}`;
    this.back.replaceChildren(event.subject.startsWith("lnk_") ? routeLink(`links/${event.subject}`, "← The link") : routeLink("links", "← All links"));
    const start = Date.parse(event.occurredAt);
    const now = Date.now();
    const span = Math.max(1_000, ...deliveries.map((d) => elapsedOf(d, start, now)));
    const meta = element("dl", { className: "details" }, [
      element("dt", { text: "Event" }),
      element("dd", { text: `${event.id} (${event.type} v${event.version})` }),
      element("dt", { text: "Occurred" }),
      element("dd", { text: formatDateTime(event.occurredAt) }),
      element("dt", { text: "Trace id" }),
      element("dd", { text: event.traceId }),
    ]);
    const delivered = deliveries.filter((d) => d.status === "delivered").length;
    const summary = element("p", { attrs: { role: "status" }, text: `${delivered} of ${deliveries.length} subscribers delivered.` });
    const scale = element("div", { className: "timeline-scale", attrs: { "aria-hidden": "true" } }, [
      element("span", { text: "event" }),
      element("span", { text: `+${formatDuration(span)}` }),
    ]);
    const rows = element(
      "ol",
      { className: "timeline", attrs: { "aria-label": "Deliveries, by subscriber" } },
      [...deliveries].sort((a, b) => a.subscriber.localeCompare(b.subscriber)).map((d) => this.row(d, start, now, span)),
    );
    if (deliveries.length === 0) rows.append(element("li", { className: "hint", text: "No subscriber has reported yet." }));
    const data = element("details", {}, [element("summary", { text: "Event data" }), element("pre", { text: JSON.stringify(event.data, null, 2) })]);
    this.root.replaceChildren(meta, summary, scale, rows, data);
  }

  /** @param {SubscriberDelivery} d @param {number} start @param {number} now @param {number} span */
  row(d, start, now, span) {
    const elapsed = elapsedOf(d, start, now);
    const bar = element("span", { className: "timeline-bar" });
    // Lengths through the CSSOM (the CSP allows it); at least a sliver so a fast delivery shows.
    bar.style.width = `${Math.max(1.5, (elapsed / span) * 100)}%`;
    const when = d.processedAt ? `+${formatDuration(elapsed)} (${formatDateTime(d.processedAt)})` : `waiting for ${formatDuration(elapsed)}`;
    const facts = [`${d.attempts} attempt${d.attempts === 1 ? "" : "s"}`];
    if (d.duplicates > 0) facts.push(`${d.duplicates} duplicate${d.duplicates === 1 ? "" : "s"} skipped`);
    const item = element("li", { className: "timeline-row", attrs: { "data-subscriber": d.subscriber, "data-status": d.status } }, [
      element("span", { className: "timeline-name", text: d.subscriber }),
      element("span", { className: `badge badge-${d.status}`, text: STATUS_TEXT[d.status] }),
      element("span", { className: "timeline-track" }, [bar]),
      element("span", { className: "timeline-when hint", text: `${when} · ${facts.join(", ")}` }),
    ]);
    if (d.lastError) item.append(element("span", { className: "timeline-error error", text: `Last error: ${d.lastError}` }));
    return item;
  }

  leave() {
    clearTimeout(this.timer);
    this.eventId = "";
  }
}
