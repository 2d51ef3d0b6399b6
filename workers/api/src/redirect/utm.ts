import { UTM_KEYS, type LinkUtm } from "#events";
import { appendQuery, queryOf } from "./url-query";

/**
 * The destination with the link's UTM fields added as `utm_*` query parameters (README "Link
 * controls"). A parameter the destination already has wins: it is never replaced or repeated. The
 * destination's own query and fragment are kept byte for byte; values are encoded as a form would.
 */
export function withUtm(destination: string, utm: LinkUtm | null | undefined): string {
  if (!utm) return destination;
  const present = new URLSearchParams(queryOf(destination));
  const added = new URLSearchParams();
  for (const key of UTM_KEYS) {
    const value = utm[key];
    if (value !== undefined && !present.has(`utm_${key}`)) added.append(`utm_${key}`, value);
  }
  return appendQuery(destination, added.toString());
}
