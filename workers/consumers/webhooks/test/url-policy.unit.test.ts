import { describe, expect, it } from "vitest";
import { isBlockedAddress } from "../../../shared/url-safety/address-ranges";
import { dohResolver, type HostResolver } from "../../../shared/url-safety/dns-resolver";
import { resolvedAddressProblem, urlProblem } from "../../../shared/url-safety/url-policy";

// The webhooks Worker's policy (src/config.ts urlPolicyOf): https only.
const production = { allowLoopbackHttp: false, allowPlainHttp: false };
const localStack = { allowLoopbackHttp: true, allowPlainHttp: false };

/** A DoH service answering from a table, as the injected fetch of the resolver. */
function dohService(table: Record<string, { A?: string[]; AAAA?: string[] }>): typeof fetch {
  return async (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const name = url.searchParams.get("name") ?? "";
    const type = url.searchParams.get("type") === "AAAA" ? "AAAA" : "A";
    const entry = table[name];
    const data = entry?.[type] ?? [];
    return Response.json({ Status: entry ? 0 : 3, Answer: data.map((d) => ({ type: type === "A" ? 1 : 28, data: d })) });
  };
}

describe("loopback http for the local stack", () => {
  it.each(["http://127.0.0.1:8080/hooks", "http://localhost:3000/in", "http://[::1]:9000/x"])(
    "allows %s only when WEBHOOKS_ALLOW_LOOPBACK_HTTP is on",
    (url) => {
      expect(urlProblem(url, localStack)).toBeNull();
      expect(urlProblem(url, production)).not.toBeNull();
    },
  );

  it.each(["http://hooks.example.com/in", "http://10.0.0.1/in", "http://127.0.0.2/in", "http://169.254.169.254/latest", "http://api.localhost/in"])(
    "still refuses %s with it on",
    (url) => {
      expect(urlProblem(url, localStack)).not.toBeNull();
    },
  );

  it("skips the DNS check for loopback hosts only when allowed", async () => {
    const resolver: HostResolver = { addresses: async () => ["127.0.0.1"] };
    expect(await resolvedAddressProblem("http://localhost:3000/in", localStack, resolver)).toBeNull();
    expect(await resolvedAddressProblem("https://hooks.example.com/in", localStack, resolver)).toBe("resolves to a private or internal address (127.0.0.1)");
  });
});

describe("plain http to public hosts", () => {
  it("is refused for webhooks and allowed only where the policy says so (link previews)", () => {
    expect(urlProblem("http://hooks.example.com/in", production)).toBe("must use https");
    expect(urlProblem("http://hooks.example.com/in", { allowLoopbackHttp: false, allowPlainHttp: true })).toBeNull();
    expect(urlProblem("http://10.0.0.1/in", { allowLoopbackHttp: false, allowPlainHttp: true })).not.toBeNull();
    expect(urlProblem("ftp://hooks.example.com/in", { allowLoopbackHttp: false, allowPlainHttp: true })).toBe("must use http or https");
  });
});

describe("DNS-over-HTTPS resolution", () => {
  const resolver = dohResolver(
    "https://doh.test/dns-query",
    dohService({
      "public.example": { A: ["93.184.216.34"], AAAA: ["2606:2800:220:1:248:1893:25c8:1946"] },
      "rebind.example": { A: ["93.184.216.34"], AAAA: ["::ffff:127.0.0.1"] },
      "empty.example": {},
    }),
  );

  it("collects A and AAAA answers", async () => {
    expect(await resolver.addresses("public.example")).toEqual(["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]);
  });

  it("refuses a host with any blocked answer, no answer, or no such name", async () => {
    expect(await resolvedAddressProblem("https://public.example/x", production, resolver)).toBeNull();
    expect(await resolvedAddressProblem("https://rebind.example/x", production, resolver)).toBe("resolves to a private or internal address (::ffff:127.0.0.1)");
    expect(await resolvedAddressProblem("https://empty.example/x", production, resolver)).toBe("does not resolve to any address");
    expect(await resolvedAddressProblem("https://nowhere.example/x", production, resolver)).toBe("does not resolve to any address");
  });

  it("treats a failing resolver as a refusal", async () => {
    const down = dohResolver("https://doh.test/dns-query", async () => new Response("bad gateway", { status: 502 }));
    expect(await resolvedAddressProblem("https://public.example/x", production, down)).toBe("could not be resolved (resolver answered 502)");
    const garbled = dohResolver("https://doh.test/dns-query", async () => Response.json({ nonsense: true }));
    expect(await resolvedAddressProblem("https://public.example/x", production, garbled)).toMatch(/^could not be resolved/);
  });
});

describe("blocked address ranges", () => {
  it.each([
    ["10.255.0.1", true],
    ["172.31.255.255", true],
    ["172.32.0.1", false],
    ["192.168.1.1", true],
    ["100.64.0.1", true],
    ["100.128.0.1", false],
    ["169.254.169.254", true],
    ["127.0.0.1", true],
    ["0.0.0.0", true],
    ["8.8.8.8", false],
    ["::1", true],
    ["::", true],
    ["fe80::1", true],
    ["fd00:ec2::254", true],
    ["::ffff:169.254.169.254", true],
    ["::ffff:8.8.8.8", false],
    ["64:ff9b::10.0.0.1", true],
    ["2002:c0a8:101::", true],
    ["2001:db8::1", true],
    ["2606:4700:4700::1111", false],
    ["not-an-address", true],
  ] as const)("%s blocked: %s", (address, blocked) => {
    expect(isBlockedAddress(address)).toBe(blocked);
  });
});
