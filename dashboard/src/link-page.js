// A link's own page (#/links/:id): what it is, its clicks (counters, a chart by hour or day, top
// lists), its QR code and its lifecycle events, each opening its delivery trace. Clicks the
// live feed reports move the counter and the chart without a reload.
import { ApiError } from "./api-client.js";
import { ClicksChart } from "./clicks-chart.js";
import { confirmAction } from "./confirm-action.js";
import { byId, downloadText, element, messageOf, routeLink, say, timeElement } from "./dom.js";
import { describe } from "./feed-view.js";
import { renderLinkDetails } from "./link-details.js";
import { QrView } from "./qr-view.js";
import { StatsView } from "./stats-view.js";

/** @typedef {import("./api-client.js").ApiClient} ApiClient */
/** @typedef {import("./api-client.js").StatsInterval} StatsInterval */
/** @typedef {import("./schemas.js").Link} Link */
/** @typedef {import("./feed-connection.js").FeedEvent} FeedEvent */
/** @typedef {import("./feed-connection.js").ClickTick} ClickTick */
/** @typedef {{ id: string, type: string, occurredAt: string, data: Record<string, unknown> }} EventSummary */

export class LinkPage {
  /** @param {{ navigate: (route: string) => void }} app */
  constructor(app) {
    this.app = app;
    this.heading = byId("link-heading", HTMLElement);
    this.actions = byId("link-actions", HTMLElement);
    this.notice = byId("link-notice", HTMLElement);
    this.details = byId("link-details", HTMLElement);
    this.events = byId("link-events", HTMLOListElement);
    this.stats = new StatsView(byId("link-counters", HTMLElement), byId("link-breakdowns", HTMLElement));
    this.chart = new ClicksChart(byId("clicks-chart", HTMLElement));
    this.qr = new QrView(byId("link-qr", HTMLElement));
    this.toggles = [...document.querySelectorAll("#view-link [data-interval]")].filter((b) => b instanceof HTMLButtonElement);
    for (const toggle of this.toggles) toggle.addEventListener("click", () => void this.loadStats(toggle.dataset.interval === "hour" ? "hour" : "day"));
    byId("stats-csv", HTMLButtonElement).addEventListener("click", () => void this.downloadCsv());
    /** @type {ApiClient | null} */
    this.client = null;
    /** @type {Link | null} */
    this.link = null;
    /** @type {StatsInterval} */
    this.interval = "day";
  }

  /** @param {ApiClient} client @param {string} id */
  async show(client, id) {
    this.client = client;
    this.link = null;
    say(this.notice, "");
    this.heading.textContent = "Loading…";
    this.actions.replaceChildren();
    this.details.replaceChildren();
    this.events.replaceChildren();
    try {
      this.render(await client.getLink(id));
    } catch (error) {
      this.heading.textContent = "Link not found";
      say(this.notice, error instanceof ApiError && error.status === 404 ? "This link does not exist (or was deleted)." : messageOf(error));
      return;
    }
    const link = this.link;
    if (!link) return;
    await Promise.all([this.loadStats(this.interval), this.qr.show(client, link), this.loadEvents()]);
  }

  /** @param {Link} link */
  render(link) {
    this.link = link;
    this.heading.textContent = `/${link.slug}`;
    renderLinkDetails(this.details, link);
    const remove = confirmAction({
      label: "Delete",
      question: `Delete /${link.slug}? Its short link stops working.`,
      confirmLabel: `Yes, delete /${link.slug}`,
      onConfirm: () => void this.remove(link),
    });
    this.actions.replaceChildren(element("a", { text: "Edit", className: "button-link", attrs: { href: `#/links/${link.id}/edit` } }), remove);
  }

  /** @param {Link} link */
  async remove(link) {
    if (!this.client) return;
    try {
      await this.client.deleteLink(link.id);
      this.app.navigate("links");
    } catch (error) {
      say(this.notice, `Not deleted: ${messageOf(error)}`);
    }
  }

  /** @param {StatsInterval} interval */
  async loadStats(interval) {
    const link = this.link;
    if (!this.client || !link) return;
    this.interval = interval;
    for (const toggle of this.toggles) toggle.setAttribute("aria-pressed", String(toggle.dataset.interval === interval));
    try {
      const stats = await this.client.stats(link.id, interval);
      if (this.link?.id !== link.id || this.interval !== interval) return;
      this.stats.show(stats);
      this.chart.show(stats.timeseries, interval);
    } catch (error) {
      say(this.notice, `Stats not available: ${messageOf(error)}`);
    }
  }

  /** The stats shown, as CSV (same range and step). */
  async downloadCsv() {
    const link = this.link;
    if (!this.client || !link) return;
    try {
      downloadText(await this.client.statsCsv(link.id, this.interval), "text/csv", `${link.slug}-clicks-by-${this.interval}.csv`);
    } catch (error) {
      say(this.notice, `CSV not available: ${messageOf(error)}`);
    }
  }

  async loadEvents() {
    const link = this.link;
    if (!this.client || !link) return;
    try {
      const page = await this.client.linkEvents(link.id);
      if (this.link?.id !== link.id) return;
      this.events.replaceChildren(...page.data.map((event) => this.eventItem(event)));
      if (page.data.length === 0) this.events.append(element("li", { className: "hint", text: "No events yet." }));
    } catch (error) {
      this.events.replaceChildren(element("li", { className: "error", text: `Events not loaded: ${messageOf(error)}` }));
    }
  }

  /** @param {EventSummary} event */
  eventItem(event) {
    const [kind, text] = describe({ ...event, teamId: "", subject: this.link?.id ?? "" });
    return element("li", { attrs: { "data-event-id": event.id, "data-type": event.type } }, [
      timeElement(event.occurredAt),
      element("span", { className: "feed-kind", text: `${kind} ` }),
      element("span", { text: `${text} ` }),
      routeLink(`events/${event.id}`, "Trace"),
    ]);
  }

  /** A lifecycle event from the feed: listed, and the page follows the link's changes. @param {FeedEvent} event */
  onEvent(event) {
    const link = this.link;
    const linkId = typeof event.data.linkId === "string" ? event.data.linkId : event.subject;
    if (!link || linkId !== link.id) return;
    if (this.events.querySelector(`[data-event-id="${CSS.escape(event.id)}"]`)) return;
    this.events.querySelector("li.hint")?.remove();
    this.events.prepend(this.eventItem(event));
    if (event.type === "LinkDeleted") say(this.notice, "This link was deleted: its short link no longer works.");
    else if (event.type === "LinkUpdated" && this.client)
      void this.client.getLink(link.id).then(
        (fresh) => this.link?.id === fresh.id && this.render(fresh),
        () => undefined,
      );
  }

  /** @param {ClickTick} tick */
  onClicks(tick) {
    const link = this.link;
    if (!link) return;
    const clicks = tick.counts.filter((c) => c.linkId === link.id).reduce((sum, c) => sum + c.clicks, 0);
    if (clicks === 0) return;
    this.stats.addClicks(clicks);
    const at = Date.parse(tick.at);
    this.chart.add(Number.isNaN(at) ? Date.now() : at, clicks);
  }

  leave() {
    this.link = null;
  }
}
