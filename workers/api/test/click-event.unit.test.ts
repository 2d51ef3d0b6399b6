import { describe, expect, it } from "vitest";
import { eventSchemas } from "../../../events";
import { newId } from "../src/ids";
import { clickEventOf, clickFacts } from "../src/redirect/click-event";

// clickEventOf skips newEvent's schema check (it runs on every redirect): these requests, as
// odd as a client can make them, must still give envelopes events/ accepts.
const linkClicked = eventSchemas.find((s) => s.shape.type.value === "LinkClicked");
const link = { id: newId("lnk"), teamId: newId("team"), slug: "a".repeat(64) };
const secret = "a-visitor-hash-secret-for-tests";

function requestWith(headers: Record<string, string>, cf: Record<string, unknown> = {}, method = "GET"): Request {
  const request = new Request("https://sho.rt/abc", { method, headers });
  Object.defineProperty(request, "cf", { value: cf });
  return request;
}

const odd: [string, Request][] = [
  ["no headers at all", requestWith({})],
  ["a user agent far over 512 characters", requestWith({ "user-agent": "Mozilla/5.0 ".repeat(200) })],
  ["a referrer with a 300-character host", requestWith({ referer: `https://${"x".repeat(60)}.${"y".repeat(60)}.${"z".repeat(60)}.${"w".repeat(60)}.${"v".repeat(55)}.example/` })],
  ["a referrer that is not a URL", requestWith({ referer: "::not a url::" })],
  ["a lowercase country", requestWith({}, { country: "de" })],
  ["a three-letter country", requestWith({}, { country: "DEU" })],
  ["a country that is not a string", requestWith({}, { country: 49 })],
  ["the Tor pseudo-country", requestWith({}, { country: "T1" })],
  ["a HEAD request from a verified bot", requestWith({ "user-agent": "Googlebot/2.1" }, { botManagement: { verifiedBot: true } }, "HEAD")],
  ["an IPv6 client", requestWith({ "cf-connecting-ip": "2001:db8::1", "user-agent": "curl/8.5.0", referer: "https://news.example.com/item?id=1" }, { country: "US" })],
];

describe("LinkClicked as the redirect makes it", () => {
  it.each(odd)("parses with events/ for %s", async (_name, request) => {
    const event = await clickEventOf(clickFacts(request), link, "0af7651916cd43dd8448eb211c80319c", secret, new Date("2026-11-27T10:00:00Z"));
    const parsed = linkClicked?.safeParse(event);
    expect(parsed?.success, JSON.stringify(parsed?.error?.issues)).toBe(true);
    expect(parsed?.data).toEqual(event);
  });

  it("keeps only what events/ allows of a long user agent and referrer", async () => {
    const facts = clickFacts(requestWith({ "user-agent": "U".repeat(2000), referer: `https://${"h".repeat(63)}.${"h".repeat(63)}.${"h".repeat(63)}.${"h".repeat(63)}.io/` }));
    const event = await clickEventOf(facts, link, "0af7651916cd43dd8448eb211c80319c", secret, new Date());
    expect(event.data.userAgent).toHaveLength(512);
    expect(event.data.referrerHost?.length).toBe(255);
  });
});
