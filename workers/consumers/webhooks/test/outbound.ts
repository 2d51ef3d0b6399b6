// Node side of the webhooks tests: answers every outbound fetch of the Worker (the
// endpoints' HTTP and the DNS-over-HTTPS resolver) and keeps what endpoints received.
// The path says how an endpoint behaves, so each test picks its endpoint's behaviour
// by its URL:
//   /ok          200            /gone       410
//   /fail        500            /slow-retry 503 + Retry-After: 120
//   /flaky/<key>/<n>   fails the first n requests for <key> with 503 + Retry-After: 1, then 200

export interface ReceivedRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const received: ReceivedRequest[] = [];
const flakyCounts = new Map<string, number>();

/** DNS answers by host name (A records), as the DoH resolver at dns.test gives them. */
const DNS: Record<string, string[]> = {
  "hooks.example.com": ["93.184.216.34"],
  "other.example.com": ["93.184.216.35"],
  "private.example.com": ["10.0.0.5"],
  "metadata.example.com": ["169.254.169.254"],
  "mixed.example.com": ["93.184.216.36", "192.168.1.10"],
};

function dnsAnswer(url: URL): Response {
  const name = url.searchParams.get("name") ?? "";
  const type = url.searchParams.get("type");
  const addresses = type === "A" ? (DNS[name] ?? []) : [];
  return Response.json({ Status: name in DNS ? 0 : 3, Answer: addresses.map((data) => ({ type: 1, data })) });
}

export async function outbound(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.hostname === "dns.test") return dnsAnswer(url);
  received.push({ url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() });
  const [, kind, key, n] = url.pathname.split("/");
  if (kind === "ok") return new Response("thanks", { status: 200 });
  if (kind === "gone") return new Response("gone", { status: 410 });
  if (kind === "slow-retry") return new Response("busy", { status: 503, headers: { "retry-after": "120" } });
  if (kind === "flaky") {
    const seen = (flakyCounts.get(key ?? "") ?? 0) + 1;
    flakyCounts.set(key ?? "", seen);
    return seen <= Number(n) ? new Response("not yet", { status: 503, headers: { "retry-after": "1" } }) : new Response("ok now", { status: 200 });
  }
  return new Response("x".repeat(5000), { status: 500 });
}

/** What endpoints received, for the tests (a service binding to this Node function). */
export function receivedLog(): Response {
  return Response.json(received);
}
