// A link's numbers: the counters (human clicks, unique visitors, bot clicks, QR scans) and the
// top lists (countries, referrers, devices, browsers, systems; cities, regions and rules where
// the API has them) as bars. Bar lengths are set through the CSSOM (allowed by the page's CSP).
import { element } from "./dom.js";

/** @typedef {import("./schemas.js").Stats} Stats */
/** @typedef {{ key: string, clicks: number }[]} KeyClicks */

/** Rows per top list: enough to see the shape, short enough for a phone. */
const TOP = 8;
const regionNames = typeof Intl.DisplayNames === "function" ? new Intl.DisplayNames(undefined, { type: "region" }) : null;

/** @param {string} code */
function countryName(code) {
  if (!/^[A-Z]{2}$/.test(code)) return code;
  try {
    return `${regionNames?.of(code) ?? code} (${code})`;
  } catch {
    return code;
  }
}

/** @type {{ key: "countries" | "referrers" | "devices" | "browsers" | "os" | "cities" | "regions" | "rules", title: string, name?: (key: string) => string }[]} */
const BREAKDOWNS = [
  { key: "countries", title: "Top countries", name: countryName },
  { key: "referrers", title: "Referrers", name: (key) => key || "Direct / none" },
  { key: "devices", title: "Devices" },
  { key: "browsers", title: "Browsers" },
  { key: "os", title: "Operating systems" },
  { key: "cities", title: "Cities" },
  { key: "regions", title: "Regions" },
  { key: "rules", title: "Targeting rules", name: (key) => (/^\d+$/.test(key) ? `Rule ${Number(key) + 1}` : key || "No rule (destination)") },
];

/** @param {string} title @param {KeyClicks} rows @param {(key: string) => string} name */
function bars(title, rows, name) {
  const headingId = `bars-${title.replace(/\W+/g, "-").toLowerCase()}`;
  const section = element("section", { className: "bars", attrs: { "aria-labelledby": headingId } }, [
    element("h4", { text: title, attrs: { id: headingId } }),
  ]);
  if (rows.length === 0) {
    section.append(element("p", { className: "hint", text: "No clicks yet." }));
    return section;
  }
  const top = [...rows].sort((a, b) => b.clicks - a.clicks).slice(0, TOP);
  const max = Math.max(1, ...top.map((r) => r.clicks));
  const list = element("ol", { className: "bar-list" });
  for (const row of top) {
    const fill = element("span", { className: "bar-fill" });
    fill.style.width = `${(row.clicks / max) * 100}%`;
    list.append(
      element("li", { attrs: { "data-key": row.key } }, [
        element("span", { className: "bar-label", text: name(row.key) }),
        element("span", { className: "bar-value number", text: row.clicks.toLocaleString() }),
        element("span", { className: "bar-track", attrs: { "aria-hidden": "true" } }, [fill]),
      ]),
    );
  }
  section.append(list);
  return section;
}

export class StatsView {
  /** @param {HTMLElement} counters @param {HTMLElement} breakdowns */
  constructor(counters, breakdowns) {
    this.counters = counters;
    this.breakdowns = breakdowns;
    /** Human clicks: the stats' count plus what the feed reported since. */
    this.clicks = 0;
  }

  /** @param {Stats} stats */
  show(stats) {
    this.clicks = stats.clicks;
    const counter = (/** @type {string} */ name, /** @type {string} */ label, /** @type {number | undefined} */ value, /** @type {string} */ note = "") =>
      element("div", { className: "counter", attrs: { "data-counter": name } }, [
        element("dt", { text: label }),
        element("dd", { className: "number", text: value === undefined ? "—" : value.toLocaleString(), attrs: note ? { title: note } : {} }),
      ]);
    this.counters.replaceChildren(
      counter("clicks", "Clicks", stats.clicks),
      counter("uniqueVisitors", "Unique visitors", stats.uniqueVisitors),
      counter("botClicks", "Bot clicks", stats.botClicks),
      counter("qrScans", "QR scans", stats.qrScans, "This API does not count QR scans yet"),
    );
    this.breakdowns.replaceChildren(
      ...BREAKDOWNS.flatMap(({ key, title, name }) => {
        const rows = stats[key];
        return rows === undefined ? [] : [bars(title, rows, name ?? ((k) => k || "Unknown"))];
      }),
    );
  }

  /** Clicks the feed reported for this link: the counter moves without a reload. @param {number} clicks */
  addClicks(clicks) {
    this.clicks += clicks;
    const value = this.counters.querySelector('[data-counter="clicks"] dd');
    if (value) value.textContent = this.clicks.toLocaleString();
  }
}
