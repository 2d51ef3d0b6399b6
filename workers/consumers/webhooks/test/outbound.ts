// Node side of the webhooks tests: answers every outbound fetch of the Worker (the
// endpoints' HTTP and the DNS-over-HTTPS resolver) and keeps what endpoints received.
// The path says how an endpoint behaves, so each test picks its endpoint's behaviour
// by its URL:
//   /ok          200            /gone       410
//   /fail        500            /slow-retry 503 + Retry-After: 120
//   /flaky/<key>/<n>   fails the first n requests for <key> with 503 + Retry-After: 1, then 200
//   /answer/<key>?status=&retry-after=   that status (and Retry-After header, if given)
//   /huge       200 with 1 MB of "€" (3 bytes each), streamed in 64 KB chunks

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
  "cname.example.com": ["93.184.216.37"],
};
const DNS_AAAA: Record<string, string[]> = {
  "hooks.example.com": ["2606:2800:220:1:248:1893:25c8:1946"],
  "v6-private.example.com": ["fd12:3456::1"],
  "v6-mapped.example.com": ["::ffff:10.1.1.1"],
};

function dnsAnswer(url: URL): Response {
  const name = url.searchParams.get("name") ?? "";
  const type = url.searchParams.get("type");
  if (name === "servfail.example.com") return Response.json({ Status: 2 });
  if (name === "resolver-down.example.com") return new Response("unavailable", { status: 502 });
  const table = type === "AAAA" ? DNS_AAAA : DNS;
  const rtype = type === "AAAA" ? 28 : 1;
  const known = name in DNS || name in DNS_AAAA;
  // A CNAME comes first in real answers; only the addresses after it count.
  const cname = name === "cname.example.com" && type === "A" ? [{ type: 5, data: "target.example.net." }] : [];
  return Response.json({ Status: known ? 0 : 3, Answer: [...cname, ...(table[name] ?? []).map((data) => ({ type: rtype, data }))] });
}

export async function outbound(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.hostname === "dns.test") return dnsAnswer(url);
  received.push({ url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() });
  const [, kind, key, n] = url.pathname.split("/");
  if (kind === "ok") return new Response("thanks", { status: 200 });
  if (kind === "huge") {
    const chunk = new TextEncoder().encode("€".repeat(21_845));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 1024 * 1024) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return new Response(body, { status: 200 });
  }
  if (kind === "gone") return new Response("gone", { status: 410 });
  if (kind === "slow-retry") return new Response("busy", { status: 503, headers: { "retry-after": "120" } });
  if (kind === "answer") {
    const retryAfter = url.searchParams.get("retry-after");
    const status = Number(url.searchParams.get("status"));
    const body = [204, 205, 304].includes(status) ? null : `answered ${status}`;
    return new Response(body, { status, headers: retryAfter ? { "retry-after": retryAfter } : {} });
  }
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
