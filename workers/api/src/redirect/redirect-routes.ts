import { Hono, type Context } from "hono";
import type { RedirectAppEnv } from "./redirect-env";
import { ApiError } from "../http/errors";
import { SLUG_PATTERN } from "../links/slug";
import { sendClickAfterResponse } from "./click-event";
import { redirectCache, type CachedLink } from "./redirect-cache";
import { findLinkBySlug, redirectSources } from "./slug-lookup";
import { destinationFor } from "./destination";
import { capRefusalFor } from "./click-cap";
import { answerPasswordForm, answerPasswordPost } from "./password-routes";
import { isPreviewCrawler } from "./crawler-agents";
import { crawlerPage } from "./crawler-card";
import { appendQuery } from "./url-query";

export const redirectRoutes = new Hono<RedirectAppEnv>();

/**
 * The destination with the short link's own query string passed on. Both query
 * strings are kept byte for byte: re-encoding the destination's query could break
 * signatures or values the target site relies on.
 */
export function destinationWithQuery(destination: string, requestUrl: string): string {
  // A request's URL is already serialised (and has no fragment): its query is what follows the first "?".
  const queryAt = requestUrl.indexOf("?");
  return queryAt === -1 ? destination : appendQuery(destination, requestUrl.slice(queryAt + 1));
}

// Anything but printable ASCII in a header value is sent differently by each path a response
// can take (raw Latin-1 bytes, a TypeError, or Hono's encodeURI): the Location is made ASCII first.
const NOT_PRINTABLE_ASCII = /[^\x21-\x7e]/;

/**
 * The `Location` of a redirect, the same string on the fast path and the routed one. Links are
 * stored normalised (ASCII) since destinations are checked by url-policy.ts; a link stored
 * before that may still hold non-ASCII, which is percent-encoded as a browser would.
 */
export function redirectLocation(destination: string, requestUrl: string): string {
  const location = destinationWithQuery(destination, requestUrl);
  if (!NOT_PRINTABLE_ASCII.test(location)) return location;
  try {
    return new URL(location).href;
  } catch {
    return encodeURI(location);
  }
}

/** The fast path's redirect; the routed one sets the same headers on its context. */
export function redirectResponse(location: string, traceparent: string): Response {
  return new Response(null, { status: 302, headers: { location, ...REDIRECT_HEADERS, traceparent } });
}

/** Headers of every redirect: browsers must not cache it (a link can change), and the destination sees the referrer. */
export const REDIRECT_HEADERS = { "cache-control": "private, max-age=0", "referrer-policy": "unsafe-url" } as const;

/** Why a link answers 410 at `nowMs`; null while it still redirects. Judged per request, so a cached link expires on time. */
export function goneMessage(link: CachedLink, nowMs: number): string | null {
  if (link.deletedAt) return "This link was deleted.";
  if (link.expiresAt && Date.parse(link.expiresAt) <= nowMs) return "This link has expired.";
  return null;
}

/** A 302 of the routed path: the same status and headers as redirectResponse (the fast path); traceparent is the middleware's. */
export function redirectTo(c: Context<RedirectAppEnv>, location: string): Response {
  c.header("location", location);
  for (const [name, value] of Object.entries(REDIRECT_HEADERS)) c.header(name, value);
  return c.body(null, 302);
}

/** The answer of a link that no longer redirects (deleted or expired); null while it does. */
export function goneAnswer(c: Context<RedirectAppEnv>, link: CachedLink, nowMs: number): Response | null {
  const gone = goneMessage(link, nowMs);
  if (!gone) return null;
  // An expired link with an `expiredUrl` sends people there instead (README "Link controls"); not a
  // click of the link: it no longer leads anywhere of its own. A deleted link always answers 410.
  if (link.expiredUrl && !link.deletedAt) return redirectTo(c, link.expiredUrl);
  throw new ApiError("gone", gone);
}

// GET and HEAD (Hono answers HEAD with the GET handler and drops the body). A live link the
// isolate has cached is usually answered before the router (fast-redirect.ts), the same way.
redirectRoutes.get("/:slug", async (c) => {
  const slug = c.req.param("slug");
  if (!SLUG_PATTERN.test(slug)) throw ApiError.notFound("Link");
  const link = await findLinkBySlug(redirectSources(c.env), slug);
  if (!link) throw ApiError.notFound("Link");
  const now = new Date(redirectCache.now());
  const gone = goneAnswer(c, link, now.getTime());
  if (gone) return gone;
  // A protected link answers its form; its click is counted on the right password (POST below).
  if (link.passwordProtected) return answerPasswordForm(c, link, now.getTime());

  const destination = destinationFor(link, c.req.raw, c.env);
  // A link-preview crawler gets the link's card, counted as a bot (README "Link controls"); a
  // password-protected link answered its form above, so its destination and card stay closed.
  const crawler = isPreviewCrawler(c.req.header("user-agent"));
  const via = crawler ? { ...destination.via, crawler } : destination.via;
  // A capped link takes a use for a human click before answering; a crawler only peeks (README "Link controls").
  const refused = await capRefusalFor(c, link, via, now);
  if (refused) return refused;
  const page = crawler ? await crawlerPage(link, c.req.raw, destination.location, c.env) : null;
  sendClickAfterResponse(c.req.raw, link, c.get("traceId"), c.env, now, (p) => c.executionCtx.waitUntil(p), via);
  if (page !== null) {
    c.header("cache-control", REDIRECT_HEADERS["cache-control"]);
    return c.html(page);
  }
  return redirectTo(c, destination.location);
});

// The password form's post (password-routes.ts); of an open link, 405.
redirectRoutes.post("/:slug", (c) => answerPasswordPost(c));
