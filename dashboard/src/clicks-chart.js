// A link's clicks over time, drawn by uPlot (a canvas; its stylesheet is served beside the
// bundle). uPlot sets element sizes through the CSSOM, which the page's CSP allows (only style
// attributes in markup and <style> elements would need 'unsafe-inline'). The canvas says nothing
// to a screen reader, so the figure's caption states the total and the busiest step in words.
import uPlot from "uplot";
import { element } from "./dom.js";

/** @typedef {"hour" | "day"} StatsInterval */
/** @typedef {{ date: string, clicks: number }} Step */

const HEIGHT = 220;
const hourLabel = new Intl.DateTimeFormat(undefined, { weekday: "short", hour: "2-digit", minute: "2-digit" });
const dayLabel = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

/** A CSS custom property of the page (colours follow the light/dark theme). @param {string} name */
function cssColor(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#1f5fd1";
}

/** The start of the step an instant falls in, as the API names steps. @param {number} at @param {StatsInterval} interval */
export function stepOf(at, interval) {
  const iso = new Date(at).toISOString();
  return interval === "day" ? iso.slice(0, 10) : `${iso.slice(0, 13)}:00:00.000Z`;
}

export class ClicksChart {
  /** @param {HTMLElement} figure where the chart goes (a <figure>) */
  constructor(figure) {
    this.figure = figure;
    this.plotArea = element("div", { className: "chart-area" });
    this.caption = element("figcaption", { className: "hint" });
    figure.replaceChildren(this.plotArea, this.caption);
    /** @type {Step[]} */
    this.steps = [];
    /** @type {StatsInterval} */
    this.interval = "day";
    /** @type {uPlot | null} */
    this.plot = null;
    this.resize = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: HEIGHT }));
    this.resize.observe(this.plotArea);
  }

  width() {
    return Math.max(240, Math.floor(this.plotArea.clientWidth));
  }

  /** @param {Step[]} steps @param {StatsInterval} interval */
  show(steps, interval) {
    this.steps = steps.map((s) => ({ ...s }));
    this.interval = interval;
    this.plot?.destroy();
    const accent = cssColor("--accent");
    const muted = cssColor("--muted");
    const grid = cssColor("--border");
    /** @type {uPlot.Axis} */
    const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    this.plot = new uPlot(
      {
        width: this.width(),
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] } },
        axes: [
          // uPlot's own time labels: it picks ticks and formats to fit the width.
          axis,
          { ...axis, size: 44, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? t.toLocaleString() : "")) },
        ],
        series: [{}, { label: "Clicks", stroke: accent, fill: accent, width: 1, paths: uPlot.paths.bars?.({ size: [0.7, 40] }), points: { show: false } }],
      },
      this.data(),
      this.plotArea,
    );
    this.describe();
  }

  /** @returns {uPlot.AlignedData} */
  data() {
    return [this.steps.map((s) => Date.parse(s.date) / 1000), this.steps.map((s) => s.clicks)];
  }

  /** Clicks seen live: added to the step they fall in (the newest, when the page has been open past it). @param {number} at @param {number} clicks */
  add(at, clicks) {
    const last = this.steps.at(-1);
    if (!last) return;
    const name = stepOf(at, this.interval);
    const step = this.steps.find((s) => s.date === name) ?? (name > last.date ? last : null);
    if (!step) return;
    step.clicks += clicks;
    this.plot?.setData(this.data());
    this.describe();
  }

  describe() {
    const total = this.steps.reduce((sum, s) => sum + s.clicks, 0);
    const busiest = this.steps.reduce((best, s) => (s.clicks > (best?.clicks ?? 0) ? s : best), /** @type {Step | null} */ (null));
    const unit = this.interval === "hour" ? "hour" : "day";
    const days = this.interval === "hour" ? Math.round(this.steps.length / 24) : this.steps.length;
    const span = `${days} day${days === 1 ? "" : "s"}`;
    const peak = busiest
      ? `; busiest ${unit}: ${(this.interval === "hour" ? hourLabel : dayLabel).format(new Date(busiest.date))} with ${busiest.clicks.toLocaleString()}`
      : "";
    this.caption.textContent = `${total.toLocaleString()} human click${total === 1 ? "" : "s"} over the last ${span}, by UTC ${unit}${peak}.`;
    this.figure.dataset.total = String(total);
  }

  destroy() {
    this.resize.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }
}
