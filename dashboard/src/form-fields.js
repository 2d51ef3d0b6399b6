// Form fields built the same way everywhere: a label, the control, an optional hint and an
// error line tied to the control (aria-describedby), and the API's errors shown next to the
// field their path names (API.md "Errors": issues carry the field path, e.g. `rules.0.url`).
import { element } from "./dom.js";

/** @typedef {import("./api-core.js").ApiIssue} ApiIssue */

let lastId = 0;
/** @param {string} path */
const newId = (path) => `f${(lastId += 1)}-${path.replace(/[^A-Za-z0-9_-]/g, "-")}`;

/** The line where the API's complaint about `path` shows. @param {string} path */
export function errorLine(path) {
  return element("p", { className: "error field-error", attrs: { "data-error-for": path, id: newId(`${path}-error`) } });
}

/**
 * A labelled input (or textarea/select) with its hint and error line.
 * @param {{ path: string, label: string, type?: string, hint?: string, value?: string, multiline?: boolean, attrs?: Record<string, string> }} spec
 * @returns {{ wrapper: HTMLDivElement, input: HTMLInputElement | HTMLTextAreaElement }}
 */
export function textField({ path, label, type = "text", hint, value = "", multiline = false, attrs = {} }) {
  const id = newId(path);
  const input = multiline ? element("textarea", { attrs: { rows: "3" } }) : element("input", { attrs: { type } });
  input.id = id;
  input.name = path;
  input.value = value;
  input.dataset.path = path;
  for (const [name, attr] of Object.entries(attrs)) input.setAttribute(name, attr);
  const error = errorLine(path);
  const described = [error.id];
  const wrapper = element("div", { className: "field" }, [element("label", { text: label, attrs: { for: id } })]);
  if (hint) {
    const hintLine = element("p", { className: "hint", text: hint, attrs: { id: `${id}-hint` } });
    wrapper.append(hintLine);
    described.unshift(hintLine.id);
  }
  input.setAttribute("aria-describedby", described.join(" "));
  wrapper.append(input, error);
  return { wrapper, input };
}

/**
 * A group of checkboxes under one legend (e.g. a rule's devices), with one error line.
 * @param {{ path: string, legend: string, options: readonly string[], checked?: readonly string[] }} spec
 */
export function checkboxGroup({ path, legend, options, checked = [] }) {
  const error = errorLine(path);
  const set = element("fieldset", { className: "checks", attrs: { "data-path": path, "aria-describedby": error.id } }, [element("legend", { text: legend })]);
  /** @type {HTMLInputElement[]} */
  const boxes = [];
  for (const option of options) {
    const id = newId(`${path}-${option}`);
    const box = element("input", { attrs: { type: "checkbox", id, value: option } });
    // defaultChecked too: a form's reset() goes back to it.
    box.checked = box.defaultChecked = checked.includes(option);
    boxes.push(box);
    set.append(element("span", { className: "check" }, [box, element("label", { text: option, attrs: { for: id } })]));
  }
  set.append(error);
  return { set, values: () => boxes.filter((b) => b.checked).map((b) => b.value) };
}

/** Clears every error a form shows. @param {HTMLElement} form */
export function clearIssues(form) {
  for (const line of form.querySelectorAll("[data-error-for]")) line.textContent = "";
  for (const field of form.querySelectorAll("[aria-invalid]")) field.removeAttribute("aria-invalid");
}

/**
 * Puts each issue next to the field its path names: the error line whose path is the longest
 * prefix of the issue's (`rules.0.when.country.1` → the rule's countries). What names no field
 * goes to the form's own line (`data-error-for=""`). Focuses the first field in error.
 * @param {HTMLElement} form @param {ApiIssue[]} issues @param {string} fallbackMessage
 */
export function showIssues(form, issues, fallbackMessage) {
  clearIssues(form);
  const lines = [...form.querySelectorAll("[data-error-for]")].filter((n) => n instanceof HTMLElement);
  /** @type {HTMLElement | null} */
  let first = null;
  const list = issues.length > 0 ? issues : [{ path: "", message: fallbackMessage }];
  for (const issue of list) {
    let best = lines.find((l) => l.dataset.errorFor === "");
    let bestLength = -1;
    for (const line of lines) {
      const path = line.dataset.errorFor ?? "";
      const matches = path !== "" && (issue.path === path || issue.path.startsWith(`${path}.`));
      if (matches && path.length > bestLength) [best, bestLength] = [line, path.length];
    }
    if (!best) continue;
    const label = bestLength < 0 && issue.path ? `${issue.path}: ${issue.message}` : issue.message;
    best.textContent = best.textContent ? `${best.textContent} ${label}` : label;
    const field = bestLength < 0 ? null : form.querySelector(`[data-path="${CSS.escape(best.dataset.errorFor ?? "")}"]`);
    if (field instanceof HTMLElement) {
      field.setAttribute("aria-invalid", "true");
      first ??= field;
    }
  }
  (first ?? form.querySelector('[data-error-for=""]'))?.scrollIntoView({ block: "center" });
  if (first instanceof HTMLInputElement || first instanceof HTMLTextAreaElement) first.focus();
  else if (first) first.querySelector("input")?.focus();
}

/** Comma-separated text as a list, empty parts dropped. @param {string} text */
export function listOf(text) {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}
