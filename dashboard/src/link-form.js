// The create/edit form of a link, with every field the API has (API.md "Links" and "Link
// controls"). Creating sends what is filled in; editing sends every field, `null` for what was
// emptied (the API removes it), and the password only when typed or removed on purpose.
import { element, say } from "./dom.js";
import { errorLine, listOf, textField } from "./form-fields.js";
import { RulesEditor } from "./link-rules-editor.js";

/** @typedef {import("./schemas.js").Link} Link */

const UTM_KEYS = ["source", "medium", "campaign", "term", "content"];

/** An ISO instant as the value of a datetime-local input, in the reader's time zone. @param {string | null | undefined} iso */
function localInputValue(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** @param {HTMLInputElement | HTMLTextAreaElement} input */
const text = (input) => input.value.trim();

/** @param {Record<string, HTMLInputElement | HTMLTextAreaElement>} inputs @returns {Record<string, string> | null} */
function group(inputs) {
  const entries = Object.entries(inputs).flatMap(([key, input]) => (text(input) ? [[key, text(input)]] : []));
  return entries.length > 0 ? Object.fromEntries(entries) : null;
}

/** @param {string} legend @param {string} path @param {HTMLElement[]} fields */
function fieldset(legend, path, fields) {
  return element("fieldset", { attrs: path ? { "data-path": path } : {} }, [
    element("legend", { text: legend }),
    element("div", { className: "field-grid" }, fields),
    ...(path ? [errorLine(path)] : []),
  ]);
}

export class LinkForm {
  /** @param {HTMLFormElement} form @param {HTMLElement} heading */
  constructor(form, heading) {
    this.form = form;
    this.heading = heading;
    /** @type {Link | null} the link being edited; null when creating */
    this.editing = null;
    /** @type {Record<string, unknown>} the form's values when it was opened */
    this.initial = {};
    const field = textField;
    this.url = field({ path: "url", label: "Destination URL", type: "url", attrs: { required: "", placeholder: "https://" } });
    this.slug = field({
      path: "slug",
      label: "Slug",
      hint: "Letters, digits, _ and -; empty for a generated one",
      attrs: { autocapitalize: "none", spellcheck: "false" },
    });
    this.title = field({ path: "title", label: "Title" });
    this.tags = field({ path: "tags", label: "Tags", hint: "Comma-separated" });
    this.expiresAt = field({ path: "expiresAt", label: "Expires at", type: "datetime-local" });
    this.password = field({ path: "password", label: "Password", type: "password", hint: "4–128 characters", attrs: { autocomplete: "new-password" } });
    this.removePassword = element("input", { attrs: { type: "checkbox", id: "link-remove-password" } });
    this.removePasswordRow = element("p", { className: "remember" }, [
      this.removePassword,
      element("label", { text: "Remove the password", attrs: { for: "link-remove-password" } }),
    ]);
    this.expiredUrl = field({ path: "expiredUrl", label: "When expired or used up, send to", type: "url", attrs: { placeholder: "https://" } });
    this.maxClicks = field({
      path: "maxClicks",
      label: "Click limit",
      type: "number",
      hint: "Human clicks before the link is used up",
      attrs: { min: "1", step: "1", inputmode: "numeric" },
    });
    /** @type {Record<string, HTMLInputElement | HTMLTextAreaElement>} */
    this.utm = {};
    const utmFields = UTM_KEYS.map((key) => {
      const f = field({ path: `utm.${key}`, label: `utm_${key}` });
      this.utm[key] = f.input;
      return f.wrapper;
    });
    const ogTitle = field({ path: "og.title", label: "Preview title" });
    const ogDescription = field({ path: "og.description", label: "Preview description", multiline: true });
    const ogImage = field({ path: "og.image", label: "Preview image URL", type: "url", attrs: { placeholder: "https://" } });
    /** @type {Record<string, HTMLInputElement | HTMLTextAreaElement>} */
    this.og = { title: ogTitle.input, description: ogDescription.input, image: ogImage.input };
    this.rules = new RulesEditor();
    this.submit = element("button", { text: "Create link", attrs: { type: "submit" } });
    this.status = element("p", { className: "hint", attrs: { role: "status" } });
    form.noValidate = true;
    form.replaceChildren(
      fieldset("Link", "", [this.url.wrapper, this.slug.wrapper, this.title.wrapper, this.tags.wrapper, this.expiresAt.wrapper]),
      element("fieldset", {}, [
        element("legend", { text: "Controls" }),
        element("div", { className: "field-grid" }, [this.password.wrapper, this.expiredUrl.wrapper, this.maxClicks.wrapper]),
        this.removePasswordRow,
      ]),
      fieldset("UTM parameters added on redirect", "utm", utmFields),
      fieldset("Link preview (Open Graph)", "og", [ogTitle.wrapper, ogDescription.wrapper, ogImage.wrapper]),
      this.rules.root,
      element("p", { className: "error", attrs: { "data-error-for": "", role: "alert" } }),
      element("div", { className: "actions" }, [this.submit, element("a", { text: "Cancel", className: "button-link", attrs: { href: "#/links" } })]),
      this.status,
    );
  }

  /** @param {Link | null} link the link to edit, or null for a new one */
  open(link) {
    this.editing = link;
    this.form.reset();
    this.heading.textContent = link ? `Edit /${link.slug}` : "New link";
    this.submit.textContent = link ? "Save changes" : "Create link";
    say(this.status, "");
    this.removePasswordRow.hidden = !link?.passwordProtected;
    this.url.input.value = link?.url ?? "";
    this.slug.input.value = link?.slug ?? "";
    this.title.input.value = link?.title ?? "";
    this.tags.input.value = (link?.tags ?? []).join(", ");
    this.expiresAt.input.value = localInputValue(link?.expiresAt);
    this.password.input.placeholder = link?.passwordProtected ? "Unchanged" : "";
    this.expiredUrl.input.value = link?.expiredUrl ?? "";
    this.maxClicks.input.value = link?.maxClicks ? String(link.maxClicks) : "";
    for (const [key, input] of Object.entries(this.utm)) input.value = link?.utm?.[key] ?? "";
    for (const [key, input] of Object.entries(this.og)) input.value = link?.og?.[key] ?? "";
    this.rules.fill(link?.rules ?? []);
    // What the form said before the person touched it: an edit sends only what differs from it.
    this.initial = this.values();
    this.url.input.focus();
  }

  /**
   * The request body. A create sends what is filled in. An edit sends only the fields changed
   * in the form (`null` for one emptied), so an untouched field is never re-sent: a past
   * expiresAt or a date shown to the minute would otherwise come back as a change or an error.
   * The password goes only when typed, or as `null` when "Remove the password" is ticked.
   * @returns {Record<string, unknown>}
   */
  body() {
    const all = this.values();
    const password = this.password.input.value;
    /** @type {Record<string, unknown>} */
    const body = this.editing
      ? Object.fromEntries(Object.entries(all).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(this.initial[key])))
      : Object.fromEntries(Object.entries(all).filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0)));
    if (password) body.password = password;
    else if (this.editing && this.removePassword.checked) body.password = null;
    // An emptied slug is not a removal (every link has one): it stays as it was.
    if (body.slug === null) delete body.slug;
    return body;
  }

  /** Every field's value as the API takes it (`null` for an empty one). @returns {Record<string, unknown>} */
  values() {
    const expires = text(this.expiresAt.input);
    const expiresDate = new Date(expires);
    const maxClicks = text(this.maxClicks.input);
    const rules = this.rules.value();
    return {
      url: text(this.url.input),
      slug: text(this.slug.input) || null,
      title: text(this.title.input) || null,
      tags: listOf(this.tags.input.value),
      // An unparsable date goes as typed, so the API names the field.
      expiresAt: expires ? (Number.isNaN(expiresDate.getTime()) ? expires : expiresDate.toISOString()) : null,
      expiredUrl: text(this.expiredUrl.input) || null,
      maxClicks: maxClicks ? Number(maxClicks) : null,
      utm: group(this.utm),
      og: group(this.og),
      rules: rules.length > 0 ? rules : null,
    };
  }
}
