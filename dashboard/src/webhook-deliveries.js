// One endpoint's delivery log (GET /v1/webhooks/:id/deliveries): each delivery's event, status,
// attempts, last response code and error, when it went or will go again; its attempts one by
// one on demand; and a redeliver button. While something is still on its way the log refreshes.
import { button, element, formatDateTime, messageOf, say } from "./dom.js";

/** @typedef {import("./api-client.js").ApiClient} ApiClient */
/** @typedef {import("./schemas.js").WebhookDelivery} WebhookDelivery */

const POLL_MS = 2_000;
/** How long the log keeps refreshing after an action (a test send, a redelivery) with nothing pending yet. */
const AFTER_ACTION_MS = 20_000;
const HEADINGS = ["Event", "Status", "Attempts", "Response", "When", ""];

export class DeliveryLog {
  /** @param {ApiClient} client @param {string} endpointId @param {HTMLElement} status where action results are said */
  constructor(client, endpointId, status) {
    this.client = client;
    this.endpointId = endpointId;
    this.status = status;
    this.body = element("tbody");
    this.empty = element("p", { className: "hint", text: "No deliveries yet." });
    const head = element(
      "tr",
      {},
      HEADINGS.map((h) => element("th", { text: h, attrs: { scope: "col" } })),
    );
    this.root = element("div", { className: "delivery-log" }, [
      element("div", { className: "table-wrap" }, [
        element("table", { className: "deliveries card-table" }, [
          element("caption", { className: "visually-hidden", text: "Delivery log, newest first" }),
          element("thead", {}, [head]),
          this.body,
        ]),
      ]),
      this.empty,
    ]);
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    this.watchUntil = 0;
    this.stopped = false;
  }

  /** Loads the log; keeps refreshing while a delivery is pending or retrying, or shortly after an action. */
  async refresh() {
    clearTimeout(this.timer);
    if (this.stopped) return;
    /** @type {WebhookDelivery[]} */
    let list;
    try {
      list = await this.client.webhooks.deliveries(this.endpointId);
    } catch (error) {
      say(this.status, `Delivery log not loaded: ${messageOf(error)}`);
      return;
    }
    if (this.stopped) return;
    this.render(list);
    const moving = list.some((d) => d.status === "pending" || d.status === "retrying");
    if (moving || Date.now() < this.watchUntil) this.timer = setTimeout(() => void this.refresh(), POLL_MS);
  }

  /** After a test send or redelivery: watch the log for a while. */
  watch() {
    this.watchUntil = Date.now() + AFTER_ACTION_MS;
    void this.refresh();
  }

  /** @param {WebhookDelivery[]} list */
  render(list) {
    // Rows whose attempts are open stay open across refreshes.
    const open = new Set([...this.body.querySelectorAll("tr.attempts")].map((row) => row.getAttribute("data-for")));
    this.body.replaceChildren();
    for (const delivery of list) {
      this.body.append(this.row(delivery));
      if (open.has(delivery.id)) void this.showAttempts(delivery);
    }
    this.empty.hidden = list.length > 0;
  }

  /** @param {WebhookDelivery} d */
  row(d) {
    const when = d.deliveredAt
      ? `Delivered ${formatDateTime(d.deliveredAt)}`
      : d.nextAttemptAt
        ? `Next attempt ${formatDateTime(d.nextAttemptAt)}`
        : `Created ${formatDateTime(d.createdAt)}`;
    const attempts = button("Attempts", () => void this.toggleAttempts(d));
    attempts.setAttribute("aria-expanded", "false");
    attempts.dataset.toggle = "attempts";
    // The buttons sit in a div: a flex <td> would stop being a table cell.
    const actions = element("td", {}, [element("div", { className: "row-actions" }, [attempts, button("Redeliver", () => void this.redeliver(d))])]);
    const cells = [
      element("td", { text: d.eventType }),
      element("td", {}, [element("span", { className: `badge badge-${d.status}`, text: d.status })]),
      element("td", { className: "number", text: String(d.attempts) }),
      element("td", { className: "number", text: d.responseStatus === null ? "—" : String(d.responseStatus) }),
      element("td", {}, [element("span", { text: when }), ...(d.lastError ? [element("span", { className: "error block", text: d.lastError })] : [])]),
      actions,
    ];
    // On a phone each row is a card: the cells name their column themselves (tables.css).
    cells.forEach((cell, index) => (cell.dataset.label = HEADINGS[index] ?? ""));
    return element("tr", { attrs: { "data-delivery-id": d.id, "data-status": d.status, "data-event-type": d.eventType } }, cells);
  }

  /** The button: shows the delivery's attempts under its row, or hides them. @param {WebhookDelivery} d */
  async toggleAttempts(d) {
    const shown = this.body.querySelector(`tr.attempts[data-for="${CSS.escape(d.id)}"]`);
    if (shown) {
      shown.remove();
      this.body.querySelector(`tr[data-delivery-id="${CSS.escape(d.id)}"] [data-toggle="attempts"]`)?.setAttribute("aria-expanded", "false");
    } else await this.showAttempts(d);
  }

  /** @param {WebhookDelivery} d */
  async showAttempts(d) {
    const row = this.body.querySelector(`tr[data-delivery-id="${CSS.escape(d.id)}"]`);
    if (!row) return;
    row.querySelector('[data-toggle="attempts"]')?.setAttribute("aria-expanded", "true");
    const cell = element("td", { attrs: { colspan: String(HEADINGS.length) } }, [element("span", { className: "hint", text: "Loading attempts…" })]);
    row.after(element("tr", { className: "attempts", attrs: { "data-for": d.id } }, [cell]));
    try {
      const { attemptLog } = await this.client.webhooks.attempts(this.endpointId, d.id);
      const items = attemptLog.map((a) =>
        element("li", {
          text: `#${a.attempt} · ${formatDateTime(a.attemptedAt)} · ${a.responseStatus === null ? "no response" : `HTTP ${a.responseStatus}`}${a.error ? ` · ${a.error}` : ""}`,
        }),
      );
      cell.replaceChildren(
        items.length > 0 ? element("ol", { className: "attempt-list" }, items) : element("span", { className: "hint", text: "Not attempted yet." }),
      );
    } catch (error) {
      cell.replaceChildren(element("span", { className: "error", text: `Attempts not loaded: ${messageOf(error)}` }));
    }
  }

  /** @param {WebhookDelivery} d */
  async redeliver(d) {
    try {
      await this.client.webhooks.redeliver(this.endpointId, d.id);
      say(this.status, `Redelivering ${d.eventType}.`);
      this.watch();
    } catch (error) {
      say(this.status, `Not redelivered: ${messageOf(error)}`);
    }
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
