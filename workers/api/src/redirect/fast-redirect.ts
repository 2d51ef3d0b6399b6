import type { RedirectEnv } from "./redirect-env";
import { newTraceId, parseTraceparent, responseTraceparent } from "../http/trace-context";
import { SLUG_PATTERN, isReservedSlug } from "../links/slug";
import { sendClickAfterResponse } from "./click-event";
import { redirectCache, type CachedLink, type RedirectCache } from "./redirect-cache";
import { destinationFor } from "./destination";
import { isPreviewCrawler } from "./crawler-agents";
import { goneMessage, redirectResponse } from "./redirect-routes";

/** The first path segment of a serialised request URL ("" for "/"), without building a URL object. */
function slugOf(url: string): string {
  const pathAt = url.indexOf("/", url.indexOf("//") + 2);
  if (pathAt === -1) return "";
  const queryAt = url.indexOf("?", pathAt);
  return url.slice(pathAt + 1, queryAt === -1 ? url.length : queryAt);
}

/**
 * The slug a request's path names when it is one valid, non-reserved slug (the redirect routes'
 * paths); null for every other path. Belt and braces: the Worker's own paths never reach the
 * redirect cache.
 */
export function redirectSlugOf(url: string): string | null {
  const slug = slugOf(url);
  return SLUG_PATTERN.test(slug) && !isReservedSlug(slug) ? slug : null;
}

/**
 * A link whose answer needs more than the request and the cached link: a password form, a click
 * cap counted before the answer. Such links take the routed path. Targeting rules and the QR marker
 * do not (destinationFor decides them from the request alone), nor do UTM fields.
 */
export function needsRoutedPath(link: CachedLink): boolean {
  return link.passwordProtected === true || (link.maxClicks ?? null) !== null;
}

/**
 * The redirect hot path, ahead of the router: a GET or HEAD of one path segment naming a live
 * link the isolate's cache holds is answered here, with the same response the route in
 * redirect-routes.ts gives (302, headers, traceparent, click after the response), without the
 * router, its middleware, a KV read or a database handle. Everything else (a miss, an unknown, deleted or
 * expired slug, a link-preview crawler, every other path) returns null and goes through the app as before.
 */
export function fastRedirect(request: Request, env: RedirectEnv, ctx: ExecutionContext, cache: RedirectCache = redirectCache): Response | null {
  if (request.method !== "GET" && request.method !== "HEAD") return null;
  const slug = redirectSlugOf(request.url);
  if (slug === null) return null;
  const link = cache.get(slug);
  const now = cache.now();
  // Not counted here unless answered here: otherwise the routed path looks the slug up and counts it.
  if (!link || goneMessage(link, now) !== null || needsRoutedPath(link)) return null;
  // A link-preview crawler may get the link's card, which can need the preview service: routed.
  if (isPreviewCrawler(request.headers.get("user-agent"))) return null;
  cache.countLookup("cache");

  const waitUntil = (promise: Promise<unknown>) => ctx.waitUntil(promise);
  const traceId = parseTraceparent(request.headers.get("traceparent") ?? undefined)?.traceId ?? newTraceId();
  const destination = destinationFor(link, request, env);
  sendClickAfterResponse(request, link, traceId, env, new Date(now), waitUntil, destination.via);
  return redirectResponse(destination.location, responseTraceparent(traceId));
}
