// Issue 11's abuse corpus, the cases themselves: what an outsider or a hostile tenant sends
// (abuse-corpus.integration.test.ts sends each and checks it is refused with nothing written).
import { authHeaders, adminTokens, feedTokens, otherHeaders, revokedAndCrossTeam } from "./abuse-cases-requests";
import { hostileSlugs, hostileUrls, loopbackAliases, redirectPaths } from "./abuse-cases-links";

export type Auth = Record<string, string>;

export interface AbuseCase {
  name: string;
  method?: string;
  path: string;
  /** An absolute origin other than the tests' (e.g. the deployment's loopback name). */
  origin?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** The statuses this case may get (all refusals). */
  statuses: number[];
}

export const ABUSE_GROUPS: [string, (auth: Auth) => AbuseCase[]][] = [
  ["hostile destination URLs", hostileUrls],
  ["loopback aliases of a loopback deployment", loopbackAliases],
  ["hostile slugs", hostileSlugs],
  ["redirect paths and methods", redirectPaths],
  ["Authorization headers", authHeaders],
  ["cross-tenant and privilege", revokedAndCrossTeam],
  ["other headers and bodies", otherHeaders],
  ["feed tokens", feedTokens],
  ["admin credentials", adminTokens],
];
