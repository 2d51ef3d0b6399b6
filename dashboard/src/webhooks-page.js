// The team's webhook endpoints (#/webhooks): create one (its signing secret is shown once),
// edit it, enable or disable it, rotate its secret, send it a test, and read its delivery log.
import { ApiError } from "./api-client.js";
import { button, byId, element, messageOf, say } from "./dom.js";
import { clearIssues, showIssues } from "./form-fields.js";
import { confirmAction } from "./confirm-action.js";
import { DeliveryLog } from "./webhook-deliveries.js";
import { webhookForm } from "./webhook-form.js";

/** @typedef {import("./api-client.js").ApiClient} ApiClient */
/** @typedef {import("./schemas.js").Endpoint} Endpoint */

/** @param {HTMLFormElement} form @param {unknown} error */
function showFormError(form, error) {
  showIssues(form, error instanceof ApiError ? error.issues : [], messageOf(error));
}

/** A secret shown once, selectable, with what to do with it. @param {string} label @param {string} secret */
function secretNotice(label, secret) {
  const code = element("code", { className: "secret", text: secret });
  return element("div", { className: "notice", attrs: { role: "status" } }, [element("p", { text: `${label} Copy it now: it is not shown again.` }), code]);
}

export class WebhooksPage {
  constructor() {
    this.root = byId("webhooks", HTMLElement);
    /** @type {ApiClient | null} */
    this.client = null;
    /** @type {DeliveryLog[]} */
    this.logs = [];
    this.list = element("div", { className: "endpoints" });
    this.notice = element("div");
  }

  /** @param {ApiClient} client */
  async show(client) {
    this.leave();
    this.client = client;
    const create = webhookForm({ submitLabel: "Add endpoint", onSubmit: (body, form) => this.create(body, form) });
    this.root.replaceChildren(
      element("section", { className: "sub-panel", attrs: { "aria-labelledby": "webhook-new-heading" } }, [
        element("h3", { text: "Add an endpoint", attrs: { id: "webhook-new-heading" } }),
        element("p", { className: "hint", text: "Linkflow POSTs each event signed (Standard Webhooks) to this URL." }),
        create,
        this.notice,
      ]),
      this.list,
    );
    await this.load();
  }

  async load() {
    if (!this.client) return;
    try {
      const endpoints = await this.client.webhooks.list();
      this.stopLogs();
      this.list.replaceChildren(...endpoints.map((endpoint) => this.card(endpoint)));
      if (endpoints.length === 0) this.list.append(element("p", { className: "hint", text: "No endpoints yet." }));
    } catch (error) {
      this.list.replaceChildren(element("p", { className: "error", attrs: { role: "alert" }, text: `Endpoints not loaded: ${messageOf(error)}` }));
    }
  }

  /** @param {Record<string, unknown>} body @param {HTMLFormElement} form */
  async create(body, form) {
    if (!this.client) return;
    try {
      const created = await this.client.webhooks.create(body);
      form.reset();
      clearIssues(form);
      this.notice.replaceChildren(secretNotice(`Endpoint added. Its signing secret:`, created.secret));
      await this.load();
    } catch (error) {
      showFormError(form, error);
    }
  }

  /** @param {Endpoint} endpoint */
  card(endpoint) {
    const client = this.client;
    if (!client) throw new Error("not signed in");
    const headingId = `endpoint-${endpoint.id}`;
    const status = element("p", { className: "hint", attrs: { role: "status" } });
    status.hidden = true;
    const log = new DeliveryLog(client, endpoint.id, status);
    this.logs.push(log);
    const state = endpoint.enabled ? "Enabled" : `Disabled${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ""}`;
    const body = element("div", { className: "endpoint-body" });
    const card = element("article", { className: "sub-panel endpoint", attrs: { "aria-labelledby": headingId, "data-endpoint-id": endpoint.id } }, [
      element("h3", { className: "endpoint-url", text: endpoint.url, attrs: { id: headingId } }),
      element("p", { className: `badge ${endpoint.enabled ? "badge-delivered" : "badge-dead"}`, text: state }),
      element("p", { className: "hint", text: `${endpoint.events.join(", ")}${endpoint.description ? ` · ${endpoint.description}` : ""}` }),
      element("div", { className: "actions" }, [
        button("Send test", () => void this.act(status, log, () => client.webhooks.sendTest(endpoint.id).then(() => "Test event sent."), true)),
        button("Edit", () => body.replaceChildren(this.editForm(endpoint, body, status))),
        button(endpoint.enabled ? "Disable" : "Enable", () => void this.toggle(endpoint, status)),
        button("Rotate secret", () => void this.rotate(endpoint, body, status)),
        confirmAction({
          label: "Remove",
          question: "Remove this endpoint? Nothing more is sent to it.",
          confirmLabel: "Yes, remove it",
          onConfirm: () => void this.remove(endpoint, status),
        }),
      ]),
      status,
      body,
      element("h4", { text: "Delivery log" }),
      log.root,
    ]);
    void log.refresh();
    return card;
  }

  /** @param {Endpoint} endpoint @param {HTMLElement} body @param {HTMLElement} status */
  editForm(endpoint, body, status) {
    const form = webhookForm({
      endpoint,
      submitLabel: "Save endpoint",
      onCancel: () => body.replaceChildren(),
      onSubmit: async (changes, formNode) => {
        try {
          await this.client?.webhooks.update(endpoint.id, changes);
          say(status, "Endpoint saved.");
          await this.load();
        } catch (error) {
          showFormError(formNode, error);
        }
      },
    });
    queueMicrotask(() => form.querySelector("input")?.focus());
    return form;
  }

  /** @param {Endpoint} endpoint @param {HTMLElement} status */
  async toggle(endpoint, status) {
    /** @type {Record<string, unknown>} */
    const changes = { enabled: !endpoint.enabled };
    // The receiver itself asked to stop (410 Gone): turning it back on says so explicitly.
    if (!endpoint.enabled && endpoint.disabledBy === "receiver") changes.receiverOptOutAcknowledged = true;
    try {
      await this.client?.webhooks.update(endpoint.id, changes);
      await this.load();
    } catch (error) {
      say(status, `Not changed: ${messageOf(error)}`);
    }
  }

  /** @param {Endpoint} endpoint @param {HTMLElement} status */
  async remove(endpoint, status) {
    try {
      await this.client?.webhooks.remove(endpoint.id);
      await this.load();
    } catch (error) {
      say(status, `Not removed: ${messageOf(error)}`);
    }
  }

  /** @param {Endpoint} endpoint @param {HTMLElement} body @param {HTMLElement} status */
  async rotate(endpoint, body, status) {
    if (!this.client) return;
    try {
      const secret = await this.client.webhooks.rotateSecret(endpoint.id);
      body.replaceChildren(secretNotice("New signing secret (the old one still signs for 24 hours).", secret));
    } catch (error) {
      say(status, `Secret not rotated: ${messageOf(error)}`);
    }
  }

  /** @param {HTMLElement} status @param {DeliveryLog} log @param {() => Promise<string>} action @param {boolean} watch */
  async act(status, log, action, watch) {
    try {
      say(status, await action());
      if (watch) log.watch();
    } catch (error) {
      say(status, messageOf(error));
    }
  }

  stopLogs() {
    for (const log of this.logs) log.stop();
    this.logs = [];
  }

  leave() {
    this.stopLogs();
  }
}
