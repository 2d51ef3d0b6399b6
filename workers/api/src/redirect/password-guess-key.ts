import { clientAddress } from "../limits/rate-limit";

/**
 * The network a guess is counted against: an IPv4 address itself, an IPv6 address's /64 (one
 * subscriber's usual allocation, which it can rotate through freely: counting single IPv6
 * addresses would give one client 2^64 budgets).
 */
export function guessNetwork(address: string): string {
  if (!address.includes(":")) return address;
  const [head = "", tail] = address.toLowerCase().split("::", 2);
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = tail === undefined ? 0 : Math.max(0, 8 - headGroups.length - tailGroups.length);
  const groups = [...headGroups, ...Array.from({ length: missing }, () => "0"), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** The key password guesses are counted under: one budget per client network and link. */
export function guessKey(linkId: string, request: Request): string {
  return `link-password|${linkId}|${guessNetwork(clientAddress(request))}`;
}
