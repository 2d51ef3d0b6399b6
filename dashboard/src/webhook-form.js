// The fields of a webhook endpoint (API.md "Webhooks"): its URL, the events it wants and a
// description. One form for creating and editing; the API's errors show next to their field.
import { element } from "./dom.js";
import { checkboxGroup, clearIssues, errorLine, textField } from "./form-fields.js";

/** @typedef {import("./schemas.js").Endpoint} Endpoint */

/** The public event names an endpoint can ask for (API.md "Webhooks"). */
export const WEBHOOK_EVENTS = ["link.created", "link.updated", "link.deleted", "link.clicked"];

/**
 * @param {{ endpoint?: Endpoint, submitLabel: string, onSubmit: (body: Record<string, unknown>, form: HTMLFormElement) => Promise<void>, onCancel?: () => void }} options
 * @returns {HTMLFormElement}
 */
export function webhookForm({ endpoint, submitLabel, onSubmit, onCancel }) {
  const url = textField({ path: "url", label: "Endpoint URL", type: "url", value: endpoint?.url ?? "", attrs: { placeholder: "https://", required: "" } });
  const events = checkboxGroup({
    path: "events",
    legend: "Events",
    options: WEBHOOK_EVENTS,
    checked: endpoint?.events ?? ["link.created", "link.updated", "link.deleted"],
  });
  const description = textField({ path: "description", label: "Description", value: endpoint?.description ?? "" });
  const submit = element("button", { text: submitLabel, attrs: { type: "submit" } });
  const actions = element("div", { className: "actions" }, [submit]);
  if (onCancel) {
    const cancel = element("button", { text: "Cancel", className: "secondary", attrs: { type: "button" } });
    cancel.addEventListener("click", onCancel);
    actions.append(cancel);
  }
  const form = element("form", { className: "webhook-form", attrs: { novalidate: "" } }, [
    element("div", { className: "field-grid" }, [url.wrapper, description.wrapper]),
    events.set,
    element("p", { className: "error", attrs: { "data-error-for": "", role: "alert" } }),
    errorLine("body"),
    actions,
  ]);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = description.input.value.trim();
    /** @type {Record<string, unknown>} */
    const body = { url: url.input.value.trim(), events: events.values() };
    if (text) body.description = text;
    else if (endpoint?.description) body.description = null;
    submit.disabled = true;
    clearIssues(form);
    void onSubmit(body, form).finally(() => {
      submit.disabled = false;
    });
  });
  return form;
}
