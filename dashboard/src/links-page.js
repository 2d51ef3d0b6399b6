// The links list (#/links): the team's usage, a search and tag filter, the table a page at a
// time (the API's cursor), and each row's clicks from the stats. The table stays current from
// the live feed whichever view is open, so coming back to it shows what happened meanwhile.
import { ApiError } from "./api-client.js";
import { byId, messageOf, say } from "./dom.js";
import { LinksView } from "./links-view.js";

/** @typedef {import("./api-client.js").ApiClient} ApiClient */
/** @typedef {import("./api-client.js").LinkFilter} LinkFilter */
/** @typedef {import("./schemas.js").Usage} Usage */
/** @typedef {import("./feed-connection.js").FeedEvent} FeedEvent */
/** @typedef {import("./feed-connection.js").ClickCount} ClickCount */

/** Stats are one request per link: a few at a time keeps the page responsive. */
const STATS_CONCURRENCY = 4;

export class LinksPage {
  /** @param {string} origin */
  constructor(origin) {
    this.table = new LinksView(byId("links-body", HTMLTableSectionElement), byId("links-empty", HTMLElement), origin);
    this.usageText = byId("usage-text", HTMLElement);
    this.loadMore = byId("load-more", HTMLButtonElement);
    this.filterForm = byId("links-filter", HTMLFormElement);
    this.q = byId("links-q", HTMLInputElement);
    this.tag = byId("links-tag", HTMLInputElement);
    this.filterError = byId("links-filter-error", HTMLElement);
    /** @type {ApiClient | null} */
    this.client = null;
    /** @type {string | null} */
    this.cursor = null;
    /** @type {LinkFilter} */
    this.filter = {};
    /** @type {Usage | null} */
    this.usage = null;
    this.statsAvailable = true;
    this.loadMore.addEventListener("click", () => void this.loadPage(false).catch((error) => say(this.filterError, messageOf(error))));
    this.filterForm.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.applyFilter({ q: this.q.value.trim(), tag: this.tag.value.trim() });
    });
    byId("links-filter-clear", HTMLButtonElement).addEventListener("click", () => {
      this.filterForm.reset();
      void this.applyFilter({});
    });
  }

  /** Loads the first page and the usage (the feed is already listening: nothing falls in between). @param {ApiClient} client */
  async reload(client) {
    this.client = client;
    this.statsAvailable = true;
    await Promise.all([this.loadPage(true), this.loadUsage()]);
  }

  /** @param {LinkFilter} filter */
  async applyFilter(filter) {
    this.filter = filter;
    this.table.filtered = Boolean(filter.q || filter.tag);
    say(this.filterError, "");
    for (const input of [this.q, this.tag]) input.removeAttribute("aria-invalid");
    try {
      await this.loadPage(true);
    } catch (error) {
      // The API names the query field it refused (query.q, query.tag): mark that input.
      const issue = error instanceof ApiError ? error.issues[0] : undefined;
      const input = issue?.path.endsWith("tag") ? this.tag : issue?.path.endsWith("q") ? this.q : null;
      input?.setAttribute("aria-invalid", "true");
      say(this.filterError, issue ? `${input === this.tag ? "Tag" : "Search"}: ${issue.message}` : messageOf(error));
    }
  }

  /** @param {boolean} first */
  async loadPage(first) {
    const client = this.client;
    if (!client) return;
    const page = await client.listLinks(first ? null : this.cursor, this.filter);
    if (first) this.table.clear();
    this.table.append(page.data);
    this.cursor = page.nextCursor;
    this.loadMore.hidden = page.nextCursor === null;
    void this.loadClicks(
      client,
      page.data.map((l) => l.id),
    );
  }

  async loadUsage() {
    if (!this.client) return;
    try {
      this.usage = await this.client.usage();
    } catch (error) {
      // 404: the usage endpoint is not deployed here; other errors: show what we have.
      if (!(error instanceof ApiError) || error.status !== 404) console.warn("usage not loaded", error);
      this.usage = null;
    }
    this.renderUsage();
  }

  renderUsage() {
    const usage = this.usage;
    if (!usage) {
      this.usageText.textContent = "Usage is not available on this API yet.";
      return;
    }
    const limit = usage.linkLimit === null ? "no limit" : `of ${usage.linkLimit.toLocaleString()}`;
    const created = `${usage.linksCreated.toLocaleString()} link${usage.linksCreated === 1 ? "" : "s"}`;
    this.usageText.textContent = `Plan ${usage.plan} · ${usage.period}: ${created} created (${limit}).`;
  }

  /** @param {ApiClient} client @param {string[]} ids */
  async loadClicks(client, ids) {
    const pending = [...ids];
    const worker = async () => {
      for (let id = pending.shift(); id !== undefined && this.statsAvailable; id = pending.shift()) {
        try {
          this.table.setClicks(id, await client.linkClicks(id));
        } catch (error) {
          // A 404 for a link still listed means this API has no stats endpoint: stop asking.
          if (error instanceof ApiError && error.status === 404 && this.table.ids().includes(id)) this.statsAvailable = false;
        }
      }
    };
    await Promise.all(Array.from({ length: STATS_CONCURRENCY }, worker));
  }

  /** @param {FeedEvent} event */
  onEvent(event) {
    this.table.apply(event);
    if (event.type === "LinkCreated" && this.usage && event.occurredAt.startsWith(this.usage.period)) {
      this.usage.linksCreated += 1;
      this.renderUsage();
    }
  }

  /** @param {ClickCount[]} counts */
  onClicks(counts) {
    this.table.addClicks(counts);
  }
}
