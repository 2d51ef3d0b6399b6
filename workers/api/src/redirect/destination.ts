import type { CachedLink } from "./redirect-cache";
import type { RedirectEnv } from "./redirect-env";
import { LINK_CLICK, type ClickVia } from "./click-event";
import { withoutQrMarker } from "./qr-marker";
import { redirectLocation } from "./redirect-routes";
import { matchingRule } from "./rule-match";
import { RuleVisitor, countryHeaderTrusted } from "./rule-visitor";
import { withUtm } from "./utm";

/** Where a redirect sends this request, and what its click records of how it got there. */
export interface Destination {
  /** The `Location` header: the chosen URL, the link's UTM fields, the request's query passed on. */
  location: string;
  via: ClickVia;
}

/**
 * The one place a live link's destination is chosen, for every path that answers 302 with a click
 * (the fast path, the routed GET, a password form's POST), so they can never disagree (README "Link
 * controls"): the url of the first targeting rule the request matches, else the link's url; with
 * the link's UTM fields and the request's query, less the QR scan marker, which only says the
 * visitor scanned the code. `env` says whether the local stack's country header counts.
 */
export function destinationFor(link: CachedLink, request: Request, env: Pick<RedirectEnv, "TRUST_COUNTRY_HEADER">): Destination {
  const marked = withoutQrMarker(request.url);
  const rules = link.rules;
  const rule = rules ? matchingRule(rules, new RuleVisitor(request, countryHeaderTrusted(env))) : null;
  const url = rule === null ? link.url : (rules?.[rule]?.url ?? link.url);
  const via: ClickVia = rule === null && !marked.qr ? LINK_CLICK : { trigger: marked.qr ? "qr" : "link", rule, crawler: false };
  return { location: redirectLocation(withUtm(url, link.utm), marked.url), via };
}
