import type { LinkUtm } from "#events";

const UTM_KEYS = ["source", "medium", "campaign", "term", "content"] as const;

/**
 * The destination with the link's UTM fields added as `utm_*` query parameters (README "Link
 * controls"). A parameter the destination already has wins: it is never replaced or repeated. The
 * destination's own query and fragment are kept byte for byte; values are encoded as a form would.
 */
export function withUtm(destination: string, utm: LinkUtm | null | undefined): string {
  if (!utm) return destination;
  const hashAt = destination.indexOf("#");
  const [head, fragment] = hashAt === -1 ? [destination, ""] : [destination.slice(0, hashAt), destination.slice(hashAt)];
  const queryAt = head.indexOf("?");
  const present = new URLSearchParams(queryAt === -1 ? "" : head.slice(queryAt + 1));
  const added = new URLSearchParams();
  for (const key of UTM_KEYS) {
    const value = utm[key];
    if (value !== undefined && !present.has(`utm_${key}`)) added.append(`utm_${key}`, value);
  }
  const extra = added.toString();
  if (extra === "") return destination;
  const separator = queryAt === -1 ? "?" : head.endsWith("?") || head.endsWith("&") ? "" : "&";
  return `${head}${separator}${extra}${fragment}`;
}
