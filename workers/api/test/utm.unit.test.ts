// UTM fields on the redirect's destination (src/redirect/utm.ts): added, never overriding the destination's own.
import { describe, expect, it } from "vitest";
import { withUtm } from "../src/redirect/utm";

describe("withUtm", () => {
  it("adds each set field as utm_* in a fixed order, encoded as a form would", () => {
    expect(withUtm("https://example.com/p", { source: "news letter", medium: "email", campaign: "q4&more" })).toBe(
      "https://example.com/p?utm_source=news+letter&utm_medium=email&utm_campaign=q4%26more",
    );
  });

  it("keeps the destination's own parameters, which win over the link's", () => {
    expect(withUtm("https://example.com/p?utm_source=site&a=1", { source: "link", medium: "social" })).toBe(
      "https://example.com/p?utm_source=site&a=1&utm_medium=social",
    );
  });

  it("keeps the fragment last and the query byte for byte", () => {
    expect(withUtm("https://example.com/p?x=%7E#top", { term: "t" })).toBe("https://example.com/p?x=%7E&utm_term=t#top");
    expect(withUtm("https://example.com/p?", { content: "c" })).toBe("https://example.com/p?utm_content=c");
  });

  it("changes nothing without UTM fields, or when the destination already has them all", () => {
    expect(withUtm("https://example.com/p", null)).toBe("https://example.com/p");
    expect(withUtm("https://example.com/p", undefined)).toBe("https://example.com/p");
    expect(withUtm("https://example.com/p?utm_source=a", { source: "b" })).toBe("https://example.com/p?utm_source=a");
  });
});
