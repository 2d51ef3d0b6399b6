// The page's views live behind hash routes (#/links, #/links/:id, #/events/:id, ...): the
// server serves one file at /dashboard (its CSP is set for that path), links can be shared and
// the back button works. Unknown routes fall back to the links list.

/**
 * @typedef {{ view: "links" } | { view: "link-new" } | { view: "link", id: string } | { view: "link-edit", id: string }
 *   | { view: "event", id: string } | { view: "webhooks" }} Route
 */

const ID = "[A-Za-z0-9_-]{1,64}";
/** @type {[RegExp, (id: string) => Route][]} */
const ROUTES = [
  [/^links\/new$/, () => ({ view: "link-new" })],
  [new RegExp(`^links/(${ID})/edit$`), (id) => ({ view: "link-edit", id })],
  [new RegExp(`^links/(${ID})$`), (id) => ({ view: "link", id })],
  [new RegExp(`^events/(${ID})$`), (id) => ({ view: "event", id })],
  [/^webhooks$/, () => ({ view: "webhooks" })],
];

/** @param {string} hash e.g. "#/links/lnk_123" @returns {Route} */
export function parseRoute(hash) {
  const path = hash.replace(/^#\/?/, "");
  for (const [pattern, make] of ROUTES) {
    const match = pattern.exec(path);
    if (match) return make(match[1] ?? "");
  }
  return { view: "links" };
}

/** @param {string} route e.g. "links/lnk_123" */
export function navigate(route) {
  const hash = `#/${route}`;
  if (location.hash === hash) dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}
