// The live dashboard: asks for an API key once (kept for the tab, or on the device if the person
// asks: key-store.js), shows the team's
// links, clicks and usage over HTTP, and keeps them current from the live feed: lifecycle
// events as they come, click counters from the feed's `clicks` ticks.
import { ApiError, apiClient } from "./api-client.js";
import { FeedConnection } from "./feed-connection.js";
import { FeedView } from "./feed-view.js";
import { forgetKey, isRemembered, loadKey, saveKey } from "./key-store.js";
import { LinksView } from "./links-view.js";

/** @typedef {import("./api-client.js").ApiClient} ApiClient */
/** @typedef {import("./api-client.js").Usage} Usage */
/** @typedef {import("./feed-connection.js").FeedEvent} FeedEvent */
/** @typedef {import("./feed-connection.js").ClickTick} ClickTick */
/** @typedef {import("./feed-connection.js").FeedStatus} FeedStatus */

const KEY_REFUSED = "That API key was not accepted.";
const KEY_REVOKED = "That API key has been revoked: enter another one.";
/** Stats are one request per link: a few at a time keeps the page responsive. */
const STATS_CONCURRENCY = 4;
const STATUS_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline, will reconnect",
  unauthorized: "API key refused",
  revoked: "API key revoked",
};

/**
 * @template {HTMLElement} T
 * @param {string} id @param {new () => T} type
 * @returns {T}
 */
function byId(id, type) {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`#${id} is missing from the page`);
  return node;
}

const ui = {
  keySection: byId("key-section", HTMLElement),
  keyForm: byId("key-form", HTMLFormElement),
  keyInput: byId("api-key", HTMLInputElement),
  rememberKey: byId("remember-key", HTMLInputElement),
  keyError: byId("api-key-error", HTMLElement),
  dashboard: byId("dashboard", HTMLElement),
  main: byId("main", HTMLElement),
  signOut: byId("sign-out", HTMLButtonElement),
  status: byId("connection-status", HTMLElement),
  statusText: byId("connection-text", HTMLElement),
  usage: byId("usage-text", HTMLElement),
  loadMore: byId("load-more", HTMLButtonElement),
};

const origin = location.origin;
const links = new LinksView(byId("links-body", HTMLTableSectionElement), byId("links-empty", HTMLElement), origin);
const feedView = new FeedView(byId("feed", HTMLOListElement), byId("feed-empty", HTMLElement));

/** @type {{ client: ApiClient | null, feed: FeedConnection | null, cursor: string | null, usage: Usage | null, statsAvailable: boolean, loading: Promise<void> | null, queued: (() => void)[] }} */
const state = { client: null, feed: null, cursor: null, usage: null, statsAvailable: true, loading: null, queued: [] };

/** @param {FeedStatus | "idle"} status */
function showStatus(status) {
  ui.status.dataset.state = status;
  ui.statusText.textContent = status === "idle" ? "Not connected" : STATUS_TEXT[status];
}

/** @param {string} [message] */
function showKeyForm(message = "") {
  state.feed?.stop();
  state.feed = null;
  ui.dashboard.hidden = true;
  ui.signOut.hidden = true;
  ui.keySection.hidden = false;
  ui.keyError.textContent = message;
  ui.keyInput.setAttribute("aria-invalid", message ? "true" : "false");
  const refused = ui.status.dataset.state === "unauthorized" || ui.status.dataset.state === "revoked";
  if (message === "" || !refused) showStatus("idle");
  ui.keyInput.focus();
}

function renderUsage() {
  const usage = state.usage;
  if (!usage) {
    ui.usage.textContent = "Usage is not available on this API yet.";
    return;
  }
  const limit = usage.linkLimit === null ? "no limit" : `of ${usage.linkLimit.toLocaleString()}`;
  ui.usage.textContent = `Plan ${usage.plan} · ${usage.period}: ${usage.linksCreated.toLocaleString()} links created (${limit}).`;
}

/** @param {ApiClient} client */
async function loadUsage(client) {
  try {
    state.usage = await client.usage();
  } catch (error) {
    // 404: the usage endpoint is not deployed here; anything else: show what we have.
    if (!(error instanceof ApiError) || error.status !== 404) console.warn("usage not loaded", error);
    state.usage = null;
  }
  renderUsage();
}

/** @param {ApiClient} client @param {string[]} ids */
async function loadClicks(client, ids) {
  const pending = [...ids];
  const worker = async () => {
    for (let id = pending.shift(); id !== undefined && state.statsAvailable; id = pending.shift()) {
      try {
        links.setClicks(id, await client.linkClicks(id));
      } catch (error) {
        // A 404 for a link still listed means this API has no stats endpoint: stop asking.
        if (error instanceof ApiError && error.status === 404 && links.ids().includes(id)) state.statsAvailable = false;
      }
    }
  };
  await Promise.all(Array.from({ length: STATS_CONCURRENCY }, worker));
}

/** @param {ApiClient} client @param {boolean} first */
async function loadPage(client, first) {
  const page = await client.listLinks(first ? null : state.cursor);
  if (first) links.clear();
  links.append(page.data);
  state.cursor = page.nextCursor;
  ui.loadMore.hidden = page.nextCursor === null;
  void loadClicks(
    client,
    page.data.map((l) => l.id),
  );
}

/**
 * A LinkClicked event (sent one per click before clicks came as ticks) as a tick of its own:
 * counted like the ticks, human GETs only, never listed one by one.
 * @param {FeedEvent} event @returns {ClickTick}
 */
function tickOfClickEvent(event) {
  const { linkId, slug, bot, method } = event.data;
  const human = bot !== true && method !== "HEAD" && typeof linkId === "string" && typeof slug === "string";
  return { at: event.occurredAt, counts: human ? [{ linkId, slug, clicks: 1 }] : [] };
}

/** @param {ClickTick} tick */
function applyClicks(tick) {
  if (tick.counts.length === 0) return;
  feedView.clicks(tick);
  // Until the HTTP state is loaded, counts wait, then add on top of it.
  if (state.loading) state.queued.push(() => links.addClicks(tick.counts));
  else links.addClicks(tick.counts);
}

/** @param {FeedEvent} event */
function applyEvent(event) {
  if (event.type === "LinkClicked") {
    applyClicks(tickOfClickEvent(event));
    return;
  }
  feedView.add(event);
  // Until the HTTP state is loaded, events wait, then apply on top of it (applying is idempotent).
  if (state.loading) {
    state.queued.push(() => links.apply(event));
    return;
  }
  links.apply(event);
  if (event.type === "LinkCreated" && state.usage && event.occurredAt.startsWith(state.usage.period)) {
    state.usage.linksCreated += 1;
    renderUsage();
  }
}

/** Loads the current state over HTTP while the feed already listens, so nothing falls in between. @param {ApiClient} client */
async function reload(client) {
  const loading = Promise.all([loadPage(client, true), loadUsage(client)]).then(() => undefined);
  state.loading = loading;
  try {
    await loading;
  } finally {
    if (state.loading === loading) {
      state.loading = null;
      for (const apply of state.queued.splice(0)) apply();
    }
  }
}

/** @param {string} apiKey */
async function start(apiKey) {
  const client = apiClient(origin, apiKey);
  state.client = client;
  state.statsAvailable = true;
  const feed = new FeedConnection({
    origin,
    token: () => client.feedToken(),
    onEvent: applyEvent,
    onClicks: applyClicks,
    onStatus: (status) => {
      showStatus(status);
      if (status === "unauthorized") showKeyForm(KEY_REFUSED);
      if (status === "revoked") {
        forgetKey();
        showKeyForm(KEY_REVOKED);
      }
    },
    onResync: () => {
      feedView.note("Some events could not be replayed: reloaded the current state.");
      void reload(client).catch((error) => console.warn("reload failed", error));
    },
  });
  try {
    state.feed = feed;
    feed.start();
    await reload(client);
  } catch (error) {
    feed.stop();
    if (error instanceof ApiError && error.status === 401) {
      forgetKey();
      showKeyForm(KEY_REFUSED);
    } else {
      showKeyForm(`The API could not be reached (${error instanceof Error ? error.message : String(error)}).`);
    }
    return false;
  }
  saveKey(apiKey, ui.rememberKey.checked);
  ui.keySection.hidden = true;
  ui.dashboard.hidden = false;
  ui.signOut.hidden = false;
  return true;
}

/** Signs in with the key typed into the form. */
async function submitKey() {
  const key = ui.keyInput.value.trim();
  if (!/^lf_[\x21-\x7e]+$/.test(key)) {
    showKeyForm("Enter an API key: it starts with lf_.");
    return;
  }
  ui.keyError.textContent = "";
  if (await start(key)) {
    ui.keyInput.value = "";
    ui.main.focus();
  }
}

// A listener's returned promise is dropped by the DOM: the sign-in's own errors are caught here.
ui.keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  void submitKey().catch((error) => console.warn("sign-in failed", error));
});

ui.signOut.addEventListener("click", () => {
  forgetKey();
  showKeyForm();
});

ui.loadMore.addEventListener("click", () => {
  if (state.client) void loadPage(state.client, false).catch((error) => console.warn("next page not loaded", error));
});

const saved = loadKey();
ui.rememberKey.checked = isRemembered();
if (saved) void start(saved);
else showKeyForm();
