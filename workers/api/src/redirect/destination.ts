import type { CachedLink } from "./redirect-cache";
import { LINK_CLICK, type ClickVia } from "./click-event";
import { redirectLocation } from "./redirect-routes";
import { withUtm } from "./utm";

/** Where a redirect sends this request, and what its click records of how it got there. */
export interface Destination {
  /** The `Location` header: the chosen URL, the link's UTM fields, the request's query passed on. */
  location: string;
  via: ClickVia;
}

/**
 * The one place a live link's destination is chosen, for every path that answers 302 with a click
 * (the fast path, the routed GET, a password form's POST): today the link's url with its UTM fields
 * and the request's query. Targeting rules and the QR marker are decided here too (README "Link
 * controls"), so the three paths can never disagree.
 */
export function destinationFor(link: CachedLink, request: Request): Destination {
  return { location: redirectLocation(withUtm(link.url, link.utm), request.url), via: LINK_CLICK };
}
