// The dashboard: asks for an API key once (kept for the tab, or on the device if the person
// asks: key-store.js), then shows the team's links, a link's stats and events, an event's
// deliveries and the webhook endpoints (hash routes: router.js), kept current by the live feed:
// lifecycle events as they come, click counters from the feed's `clicks` ticks.
import { ApiError, apiClient } from "./api-client.js";
import { byId } from "./dom.js";
import { EventTraceView } from "./event-trace.js";
import { FeedConnection } from "./feed-connection.js";
import { FeedView } from "./feed-view.js";
import { forgetKey, isRemembered, loadKey, saveKey } from "./key-store.js";
import { LinkEditorPage } from "./link-editor-page.js";
import { LinkPage } from "./link-page.js";
import { LinksPage } from "./links-page.js";
import { navigate, parseRoute } from "./router.js";
import { WebhooksPage } from "./webhooks-page.js";
import { showStatus } from "./live-status.js";

/** @typedef {import("./api-client.js").ApiClient} ApiClient */
/** @typedef {import("./feed-connection.js").FeedEvent} FeedEvent */
/** @typedef {import("./feed-connection.js").ClickTick} ClickTick */
/** @typedef {import("./router.js").Route} Route */

const KEY_REFUSED = "That API key was not accepted.";
const KEY_REVOKED = "That API key has been revoked: enter another one.";

const ui = {
  keySection: byId("key-section", HTMLElement),
  keyForm: byId("key-form", HTMLFormElement),
  keyInput: byId("api-key", HTMLInputElement),
  rememberKey: byId("remember-key", HTMLInputElement),
  keyError: byId("api-key-error", HTMLElement),
  dashboard: byId("dashboard", HTMLElement),
  main: byId("main", HTMLElement),
  nav: byId("nav", HTMLElement),
  signOut: byId("sign-out", HTMLButtonElement),
};

const app = { navigate };
const links = new LinksPage(location.origin);
const linkPage = new LinkPage(app);
const editor = new LinkEditorPage(app);
const trace = new EventTraceView();
const webhooks = new WebhooksPage();
const feedView = new FeedView(byId("feed", HTMLOListElement), byId("feed-empty", HTMLElement));

/** @type {{ client: ApiClient | null, feed: FeedConnection | null, loading: Promise<void> | null, queued: (() => void)[] }} */
const state = { client: null, feed: null, loading: null, queued: [] };

/** @param {string} [message] */
function showKeyForm(message = "") {
  state.feed?.stop();
  state.feed = null;
  state.client = null;
  ui.dashboard.hidden = true;
  ui.nav.hidden = true;
  ui.signOut.hidden = true;
  ui.keySection.hidden = false;
  ui.keyError.textContent = message;
  ui.keyInput.setAttribute("aria-invalid", message ? "true" : "false");
  const status = byId("connection-status", HTMLElement).dataset.state;
  if (message === "" || (status !== "unauthorized" && status !== "revoked")) showStatus("idle", null);
  ui.keyInput.focus();
}

/** Runs a change to the links list now, or once its HTTP state has loaded (then on top of it). @param {() => void} apply */
function whenLoaded(apply) {
  if (state.loading) state.queued.push(apply);
  else apply();
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
  linkPage.onClicks(tick);
  whenLoaded(() => links.onClicks(tick.counts));
}

/** @param {FeedEvent} event */
function applyEvent(event) {
  if (event.type === "LinkClicked") {
    applyClicks(tickOfClickEvent(event));
    return;
  }
  feedView.add(event);
  linkPage.onEvent(event);
  // Applying is idempotent: an event also in the HTTP answer changes nothing twice.
  whenLoaded(() => links.onEvent(event));
}

/** Loads the links list over HTTP while the feed already listens, so nothing falls in between. @param {ApiClient} client */
async function reload(client) {
  const loading = links.reload(client);
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

/** Shows the view the address names. @param {boolean} moveFocus after a navigation, not on the first paint */
function route(moveFocus) {
  const client = state.client;
  if (!client) return;
  /** @type {Route} */
  const current = parseRoute(location.hash);
  const viewName = { links: "links", "link-new": "link-form", "link-edit": "link-form", link: "link", event: "event", webhooks: "webhooks" }[current.view];
  for (const view of document.querySelectorAll("[data-view]")) if (view instanceof HTMLElement) view.hidden = view.dataset.view !== viewName;
  for (const item of ui.nav.querySelectorAll("a")) {
    if ((item.dataset.nav === "webhooks") === (current.view === "webhooks")) item.setAttribute("aria-current", "page");
    else item.removeAttribute("aria-current");
  }
  if (current.view !== "link") linkPage.leave();
  if (current.view !== "event") trace.leave();
  if (current.view !== "webhooks") webhooks.leave();
  const shown = (() => {
    switch (current.view) {
      case "links":
        return Promise.resolve();
      case "link-new":
        return editor.show(client, null);
      case "link-edit":
        return editor.show(client, current.id);
      case "link":
        return linkPage.show(client, current.id);
      case "event":
        return trace.show(client, current.id);
      case "webhooks":
        return webhooks.show(client);
    }
  })();
  void shown.catch((error) => console.warn("view not shown", error));
  // The new view's heading takes the focus (keyboard and screen reader users land on it); the
  // link form focuses its first field itself.
  if (moveFocus && viewName !== "link-form") {
    const heading = document.querySelector(`[data-view="${viewName}"] h2`);
    if (heading instanceof HTMLElement) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }
}

/** @param {string} apiKey */
async function start(apiKey) {
  const client = apiClient(location.origin, apiKey);
  const feed = new FeedConnection({
    origin: location.origin,
    token: () => client.feedToken(),
    onEvent: applyEvent,
    onClicks: applyClicks,
    onStatus: (status) => {
      showStatus(status, feed.lastEventId);
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
    state.client = client;
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
  ui.nav.hidden = false;
  ui.signOut.hidden = false;
  route(false);
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

addEventListener("hashchange", () => route(true));

const saved = loadKey();
ui.rememberKey.checked = isRemembered();
if (saved) void start(saved);
else showKeyForm();
