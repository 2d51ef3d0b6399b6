import { errorMessage } from "../log";
import { isBlockedAddress, parseIPv4, parseIPv6 } from "./address-ranges";
import type { HostResolver } from "./dns-resolver";

const BLOCKED_HOST_SUFFIXES = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".onion"];
const BLOCKED_HOSTS = new Set(["localhost", "metadata.google.internal", "metadata", "instance-data", "instance-data.ec2.internal"]);
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * What a Worker that calls URLs it was handed (webhook endpoints, link destinations for
 * previews) allows besides public hosts. Loopback is only ever for the local stack.
 */
export interface UrlPolicy {
  /** "true" only on the local stack: http(s) to 127.0.0.1, localhost and [::1]. */
  allowLoopbackHttp: boolean;
  /**
   * Plain http to public hosts: webhooks carry signed payloads and require https; a
   * preview reads a public page that a link may well serve over http. The address
   * checks, the SSRF defence, are the same either way.
   */
  allowPlainHttp: boolean;
}

/**
 * Why a URL is refused, or null. Literal checks only: `resolvedAddressProblem`
 * checks what a host name resolves to. Loopback only with `allowLoopbackHttp`.
 */
export function urlProblem(raw: string, policy: UrlPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute URL";
  }
  if (url.username || url.password) return "must not contain credentials";
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (policy.allowLoopbackHttp && LOOPBACK_HOSTS.has(host) && (url.protocol === "http:" || url.protocol === "https:")) return null;
  if (url.protocol !== "https:" && !(policy.allowPlainHttp && url.protocol === "http:"))
    return policy.allowPlainHttp ? "must use http or https" : "must use https";
  // The URL parser has already turned decimal, octal and hex IPv4 forms into dotted quads.
  if (parseIPv4(host) !== null || parseIPv6(host) !== null) {
    return isBlockedAddress(host) ? "must not point at a private, loopback, link-local or metadata address" : null;
  }
  if (BLOCKED_HOSTS.has(host) || BLOCKED_HOST_SUFFIXES.some((s) => host.endsWith(s))) return "must not point at a local or internal host";
  if (!host.includes(".")) return "must use a fully qualified host name";
  return null;
}

/**
 * Refuses a host whose A/AAAA answers include a blocked address, or that cannot be
 * resolved. Checked at creation and again before every delivery (DNS can change in
 * between). Literal addresses were judged by `urlProblem` already.
 */
export async function resolvedAddressProblem(raw: string, policy: Pick<UrlPolicy, "allowLoopbackHttp">, resolver: HostResolver | null): Promise<string | null> {
  const host = new URL(raw).hostname.toLowerCase().replace(/\.$/, "");
  if (resolver === null || parseIPv4(host) !== null || parseIPv6(host) !== null) return null;
  if (policy.allowLoopbackHttp && LOOPBACK_HOSTS.has(host)) return null;
  let addresses: string[];
  try {
    addresses = await resolver.addresses(host);
  } catch (error) {
    return `could not be resolved (${errorMessage(error)})`;
  }
  if (addresses.length === 0) return "does not resolve to any address";
  const blocked = addresses.find((a) => isBlockedAddress(a));
  return blocked ? `resolves to a private or internal address (${blocked})` : null;
}
