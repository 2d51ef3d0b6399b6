// What a link is and does, as a description list: its short URL, destination, tags and every
// link control that is set (API.md "Link controls"), in words.
import { element, externalLink, formatDateTime } from "./dom.js";

/** @typedef {import("./schemas.js").Link} Link */
/** @typedef {import("./schemas.js").LinkRule} LinkRule */

/** @param {LinkRule} rule @param {number} index */
function ruleText(rule, index) {
  const parts = Object.entries(rule.when).flatMap(([key, values]) => (values && values.length > 0 ? [`${key} ${values.join("/")}`] : []));
  return `${index + 1}. ${parts.join(" and ")} → ${rule.url}`;
}

/** @param {Record<string, string> | null | undefined} record @param {string} prefix */
function pairs(record, prefix) {
  return Object.entries(record ?? {})
    .map(([key, value]) => `${prefix}${key}=${value}`)
    .join(", ");
}

/** @param {HTMLElement} list a <dl> @param {Link} link */
export function renderLinkDetails(list, link) {
  /** @type {[string, Node | string][]} */
  const rows = [
    ["Short link", externalLink(link.shortUrl, link.shortUrl)],
    ["Destination", externalLink(link.url, link.url)],
  ];
  if (link.title) rows.push(["Title", link.title]);
  if (link.tags.length > 0) rows.push(["Tags", link.tags.join(", ")]);
  rows.push(["Created", formatDateTime(link.createdAt)]);
  if (link.expiresAt) rows.push(["Expires", formatDateTime(link.expiresAt)]);
  if (link.passwordProtected) rows.push(["Password", "Required to open the link"]);
  if (link.maxClicks) rows.push(["Click limit", `${link.maxClicks.toLocaleString()} human clicks`]);
  if (link.expiredUrl) rows.push(["When expired or used up", externalLink(link.expiredUrl, link.expiredUrl)]);
  if (link.utm) rows.push(["UTM", pairs(link.utm, "utm_")]);
  if (link.og) rows.push(["Link preview", pairs(link.og, "")]);
  if (link.rules && link.rules.length > 0) rows.push(["Targeting rules", link.rules.map(ruleText).join("; ")]);
  list.replaceChildren(...rows.flatMap(([term, value]) => [element("dt", { text: term }), element("dd", {}, [value])]));
}
