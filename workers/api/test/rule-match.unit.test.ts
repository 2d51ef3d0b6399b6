// Targeting rules (src/redirect/rule-*.ts): which rule a request matches, from real requests.
import { describe, expect, it } from "vitest";
import type { LinkRule } from "#events";
import { matchingRule, type RuleSubject } from "../src/redirect/rule-match";
import { RuleVisitor, countryHeaderTrusted } from "../src/redirect/rule-visitor";
import { preferredLanguage } from "../src/redirect/rule-language";
import { ruleAgentOf } from "../src/redirect/rule-agent";
import { AGENT_CACHE_CAPACITY, RuleAgentCache } from "../src/redirect/rule-agent-cache";
import { BROWSER_AGENTS } from "../../../test/support/user-agents";

const IPHONE = BROWSER_AGENTS[0].ua;
const WINDOWS = BROWSER_AGENTS[4].ua;
const ANDROID_TABLET = BROWSER_AGENTS[3].ua;

function request(headers: Record<string, string> = {}, cf?: Record<string, unknown>): Request {
  const req = new Request("https://sho.rt/abc", { headers });
  if (cf) Object.defineProperty(req, "cf", { value: cf });
  return req;
}

const visitor = (req: Request, trustHeader = false) => new RuleVisitor(req, trustHeader);
let ruleCount = 0;
const rule = (when: LinkRule["when"], n = ++ruleCount): LinkRule => ({ when, url: `https://example.com/${n}` });

describe("matchingRule", () => {
  it("first match wins; a condition's values are alternatives, conditions all hold", () => {
    const rules = [rule({ country: ["FR"], os: ["android"] }), rule({ country: ["DE", "AT"], device: ["mobile"] }), rule({ country: ["DE"] })];
    expect(matchingRule(rules, visitor(request({ "user-agent": IPHONE }, { country: "AT" })))).toBe(1);
    expect(matchingRule(rules, visitor(request({ "user-agent": WINDOWS }, { country: "DE" })))).toBe(2);
    expect(matchingRule(rules, visitor(request({ "user-agent": IPHONE }, { country: "FR" })))).toBeNull();
    expect(matchingRule(rules, visitor(request({ "user-agent": IPHONE })))).toBeNull();
  });

  it("matches device and OS as the User-Agent says", () => {
    const rules = [rule({ os: ["ios"] }), rule({ device: ["tablet"] }), rule({ os: ["windows", "macos"], device: ["desktop"] })];
    expect(matchingRule(rules, visitor(request({ "user-agent": IPHONE })))).toBe(0);
    expect(matchingRule(rules, visitor(request({ "user-agent": ANDROID_TABLET })))).toBe(1);
    expect(matchingRule(rules, visitor(request({ "user-agent": WINDOWS })))).toBe(2);
    expect(matchingRule(rules, visitor(request({ "user-agent": "curl/8.5.0" })))).toBeNull();
    expect(matchingRule(rules, visitor(request()))).toBeNull();
  });

  it("matches the visitor's preferred language", () => {
    const rules = [rule({ language: ["de"] }), rule({ language: ["fr", "en"] })];
    expect(matchingRule(rules, visitor(request({ "accept-language": "de-CH,de;q=0.9,en;q=0.8" })))).toBe(0);
    expect(matchingRule(rules, visitor(request({ "accept-language": "en-US,de;q=0.5" })))).toBe(1);
    expect(matchingRule(rules, visitor(request({ "accept-language": "es" })))).toBeNull();
  });

  it("a rule naming no condition matches every request (a catch-all after the others)", () => {
    expect(matchingRule([rule({ country: ["JP"] }), rule({}, 1)], visitor(request()))).toBe(1);
  });

  it("reads only what the rules ask: a link whose rules name countries never parses the User-Agent or the languages", () => {
    const asked: string[] = [];
    const subject: RuleSubject = {
      country: () => (asked.push("country"), "DE"),
      device: () => (asked.push("device"), "mobile"),
      os: () => (asked.push("os"), "ios"),
      language: () => (asked.push("language"), "de"),
    };
    expect(matchingRule([rule({ country: ["FR"] }), rule({ country: ["DE"] })], subject)).toBe(1);
    expect(asked).toEqual(["country", "country"]);
    asked.length = 0;
    expect(matchingRule([rule({ country: ["FR"], os: ["ios"] })], subject)).toBeNull();
    expect(asked).toEqual(["country"]);
  });
});

describe("RuleAgentCache", () => {
  it("answers what the parser says, on a miss and on a hit, past its capacity too", () => {
    const cache = new RuleAgentCache();
    for (let round = 0; round < 2; round++)
      for (const { ua } of BROWSER_AGENTS) expect({ device: cache.device(ua), os: cache.os(ua) }, ua).toEqual(ruleAgentOf(ua));
    for (let i = 0; i < AGENT_CACHE_CAPACITY + 10; i++) expect(cache.os(`${IPHONE} n${i}`)).toBe("ios");
    expect([cache.os(WINDOWS), cache.device(WINDOWS)]).toEqual(["windows", "desktop"]);
  });
});

describe("the visitor's country", () => {
  it("comes from the runtime (request.cf.country); the cf-ipcountry header counts only where trusted (the local stack)", () => {
    expect(visitor(request({}, { country: "DE" })).country()).toBe("DE");
    expect(visitor(request({ "cf-ipcountry": "FR" }, { country: "DE" })).country()).toBe("DE");
    expect(visitor(request({ "cf-ipcountry": "FR" })).country()).toBeNull();
    expect(visitor(request({ "cf-ipcountry": "fr" }, { country: "DE" }), true).country()).toBe("FR");
    expect(visitor(request({ "cf-ipcountry": "XXX" }, { country: "DE" }), true).country()).toBe("DE");
    expect(visitor(request({}, { country: "T1" })).country()).toBeNull();
  });

  it("TRUST_COUNTRY_HEADER is false unless set to true, and a bad value is refused", () => {
    expect(countryHeaderTrusted({})).toBe(false);
    expect(countryHeaderTrusted({ TRUST_COUNTRY_HEADER: "false" })).toBe(false);
    expect(countryHeaderTrusted({ TRUST_COUNTRY_HEADER: "true" })).toBe(true);
    expect(() => countryHeaderTrusted({ TRUST_COUNTRY_HEADER: "yes" })).toThrow(/TRUST_COUNTRY_HEADER/);
  });
});

describe("preferredLanguage (Accept-Language)", () => {
  it.each([
    ["de-CH, de;q=0.9, en;q=0.8", "de"],
    ["en;q=0.5, fr;q=0.9", "fr"],
    ["fr;q=0.8, de;q=0.8", "fr"],
    ["*, es;q=0.1", "es"],
    ["en;q=0, nl", "nl"],
    ["EN-gb", "en"],
    ["en;q=2, it;q=0.3", "it"],
    ["x-klingon, i-default, ja", "ja"],
    ["de;Q=1.000", "de"],
    ["", null],
    ["*", null],
    [";;;,,,", null],
  ])("%j → %s", (header, expected) => {
    expect(preferredLanguage(header)).toBe(expected);
  });

  it("reads a bounded prefix of a hostile header", () => {
    expect(preferredLanguage(`${"zz;q=0.1,".repeat(10_000)}de`)).toBe("zz");
    expect(preferredLanguage(`${"a".repeat(100_000)},de`)).toBeNull();
    expect(preferredLanguage(null)).toBeNull();
  });
});
