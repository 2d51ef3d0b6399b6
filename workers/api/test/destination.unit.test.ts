// destinationFor (src/redirect/destination.ts): the one place a redirect's Location and its click's
// `via` are chosen, for the fast path, the routed GET and the password POST alike.
import { describe, expect, it } from "vitest";
import { destinationFor } from "../src/redirect/destination";
import { withoutQrMarker } from "../src/redirect/qr-marker";
import type { CachedLink } from "../src/redirect/redirect-cache";
import { BROWSER_AGENTS } from "../../../test/support/user-agents";

const link: CachedLink = {
  id: "lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC",
  teamId: "team_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC",
  slug: "launch",
  url: "https://example.com/home?a=1",
  expiresAt: null,
  deletedAt: null,
  rules: [
    { when: { os: ["ios"] }, url: "https://apps.apple.com/app/id1?x=y" },
    { when: { os: ["android"] }, url: "https://play.google.com/store/apps/details?id=app#top" },
  ],
  utm: { source: "qr", campaign: "launch" },
};
const production = { TRUST_COUNTRY_HEADER: "false" };

const get = (path: string, headers: Record<string, string> = {}) => new Request(`https://sho.rt/${path}`, { headers });

describe("destinationFor", () => {
  it("sends a matching rule's url, with the link's UTM fields and the request's query; via names the rule", () => {
    const iphone = destinationFor(link, get("launch?ref=mail", { "user-agent": BROWSER_AGENTS[0].ua }), production);
    expect(iphone).toEqual({
      location: "https://apps.apple.com/app/id1?x=y&utm_source=qr&utm_campaign=launch&ref=mail",
      via: { trigger: "link", rule: 0, crawler: false },
    });
    const android = destinationFor(link, get("launch", { "user-agent": BROWSER_AGENTS[2].ua }), production);
    expect(android.location).toBe("https://play.google.com/store/apps/details?id=app&utm_source=qr&utm_campaign=launch#top");
    expect(android.via.rule).toBe(1);
  });

  it("sends the link's url when no rule matches, or the link has none", () => {
    const desktop = destinationFor(link, get("launch", { "user-agent": BROWSER_AGENTS[4].ua }), production);
    expect(desktop).toEqual({
      location: "https://example.com/home?a=1&utm_source=qr&utm_campaign=launch",
      via: { trigger: "link", rule: null, crawler: false },
    });
    const plain = destinationFor({ ...link, rules: null, utm: null }, get("launch?b=2"), production);
    expect(plain).toEqual({ location: "https://example.com/home?a=1&b=2", via: { trigger: "link", rule: null, crawler: false } });
  });

  it("takes the QR marker out of the query passed on, and records the visit as a scan", () => {
    const scan = destinationFor({ ...link, utm: null }, get("launch?qr=1", { "user-agent": BROWSER_AGENTS[0].ua }), production);
    expect(scan).toEqual({ location: "https://apps.apple.com/app/id1?x=y", via: { trigger: "qr", rule: 0, crawler: false } });
    const withQuery = destinationFor({ ...link, rules: null, utm: null }, get("launch?a=%20&qr=1&z"), production);
    expect(withQuery).toEqual({ location: "https://example.com/home?a=1&a=%20&z", via: { trigger: "qr", rule: null, crawler: false } });
  });

  it("reads the country header only where it is trusted", () => {
    const byCountry: CachedLink = { ...link, rules: [{ when: { country: ["DE"] }, url: "https://example.de/" }], utm: null };
    const request = get("launch", { "cf-ipcountry": "DE" });
    expect(destinationFor(byCountry, request, production).location).toBe("https://example.com/home?a=1");
    expect(destinationFor(byCountry, request, { TRUST_COUNTRY_HEADER: "true" }).location).toBe("https://example.de/");
  });
});

describe("withoutQrMarker", () => {
  it.each([
    ["https://sho.rt/a", "https://sho.rt/a", false],
    ["https://sho.rt/a?qr=1", "https://sho.rt/a", true],
    ["https://sho.rt/a?x=1&qr=1", "https://sho.rt/a?x=1", true],
    ["https://sho.rt/a?qr=1&x=%41&qr=1", "https://sho.rt/a?x=%41", true],
    ["https://sho.rt/a?qr=2", "https://sho.rt/a?qr=2", false],
    ["https://sho.rt/a?xqr=1", "https://sho.rt/a?xqr=1", false],
    ["https://sho.rt/a?qr=10", "https://sho.rt/a?qr=10", false],
    ["https://sho.rt/a?", "https://sho.rt/a?", false],
  ])("%s → %s (scan: %s)", (url, expected, qr) => {
    expect(withoutQrMarker(url)).toEqual({ url: expected, qr });
  });
});
