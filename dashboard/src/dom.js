// Small DOM helpers shared by the views. Every value is set as text, never as HTML: titles,
// tags, URLs and error messages are user input or come from the API.

/**
 * @template {HTMLElement} T
 * @param {string} id @param {new () => T} type
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`#${id} is missing from the page`);
  return node;
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {{ text?: string, className?: string, attrs?: Record<string, string> }} [options]
 * @param {(Node | string)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function element(tag, { text, className, attrs } = {}, children = []) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** A link to a web page outside the dashboard, opened in a new tab. @param {string} href @param {string} text */
export function externalLink(href, text) {
  const a = element("a", { text });
  // Only web URLs become links; the API accepts nothing else, this is belt and braces.
  if (/^https?:\/\//i.test(href)) a.href = href;
  a.rel = "noopener noreferrer";
  a.target = "_blank";
  return a;
}

/** A link to another view of this page (hash routes: router.js). @param {string} route @param {string} text */
export function routeLink(route, text) {
  return element("a", { text, attrs: { href: `#/${route}` } });
}

/** @param {string} label @param {() => void} onClick @param {string} [className] */
export function button(label, onClick, className = "secondary") {
  const node = element("button", { text: label, className, attrs: { type: "button" } });
  node.addEventListener("click", onClick);
  return node;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** A <time> element showing an ISO instant in the reader's time zone. @param {string} iso */
export function timeElement(iso) {
  const time = element("time", { text: formatDateTime(iso) });
  time.dateTime = iso;
  return time;
}

/** @param {string} iso */
export function formatDateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** A duration short enough to read at a glance: 840 ms, 2.4 s, 3 min 5 s. @param {number} ms */
export function formatDuration(ms) {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * Offers text the page fetched (it needed the API key, so no plain link) as a file download.
 * A data: URL: the CSP governs neither downloads nor this navigation-free click.
 * @param {string} text @param {string} type @param {string} filename
 */
export function downloadText(text, type, filename) {
  const a = element("a", { attrs: { download: filename, href: `data:${type};charset=utf-8,${encodeURIComponent(text)}` } });
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
}

/** Shows a message in a live region (role=status or role=alert) next to what it is about. @param {HTMLElement} region @param {string} text */
export function say(region, text) {
  region.textContent = text;
  region.hidden = text === "";
}

/** The message of whatever was thrown, for people. @param {unknown} error */
export function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
