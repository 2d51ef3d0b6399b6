import { beforeAll, describe, it } from "vitest";
import { expectRefused, setUpFixture, type BadRequest, type Fixture } from "./bad-request-harness";

// Hostile link controls (README "Link controls"): each answers 400 naming the field's path and
// writes nothing, on create and on PATCH.

const URL_OK = "https://example.com/ok";
const rule = (url: string, when: Record<string, unknown> = { country: ["DE"] }) => ({ when, url });
const rulesWith = (index: number, bad: Record<string, unknown>) => Array.from({ length: index + 1 }, (_, i) => (i === index ? bad : rule(`${URL_OK}/${i}`)));

/** [name, field value(s), the path the 400 must name] */
const cases: [string, Record<string, unknown>, string][] = [
  // password
  ["a password of 3 characters", { password: "abc" }, "password"],
  ["a password of 129 characters", { password: "p".repeat(129) }, "password"],
  ["a password as a number", { password: 12345678 }, "password"],
  ["a password with a NUL", { password: "abcd\u0000efg" }, "password"],
  ["a password with a lone surrogate", { password: "abcd\ud800" }, "password"],
  // expiredUrl
  ["a javascript: expiredUrl", { expiredUrl: "javascript:alert(document.cookie)" }, "expiredUrl"],
  ["a data: expiredUrl", { expiredUrl: "data:text/html,<script>alert(1)</script>" }, "expiredUrl"],
  ["an expiredUrl back to the short domain", { expiredUrl: "https://lf.test/other" }, "expiredUrl"],
  ["an expiredUrl back to the short domain (capitals, trailing dot)", { expiredUrl: "https://LF.TEST./other" }, "expiredUrl"],
  ["an expiredUrl on one of OWN_HOSTS", { expiredUrl: "https://lf-alias.test/x" }, "expiredUrl"],
  ["an expiredUrl of 2049 characters", { expiredUrl: `https://example.com/${"a".repeat(2049 - 20)}` }, "expiredUrl"],
  ["an expiredUrl with a bidi override", { expiredUrl: "https://example.com/\u202efdp.exe" }, "expiredUrl"],
  ["an expiredUrl with credentials", { expiredUrl: "https://user:pw@example.com/" }, "expiredUrl"],
  ["a relative expiredUrl", { expiredUrl: "/gone" }, "expiredUrl"],
  // maxClicks
  ["maxClicks 0", { maxClicks: 0 }, "maxClicks"],
  ["maxClicks -1", { maxClicks: -1 }, "maxClicks"],
  ["maxClicks 1.5", { maxClicks: 1.5 }, "maxClicks"],
  ["maxClicks as a string", { maxClicks: "10" }, "maxClicks"],
  ["maxClicks over a billion", { maxClicks: 1_000_000_001 }, "maxClicks"],
  ["maxClicks 1e308", { maxClicks: 1e308 }, "maxClicks"],
  // rules
  ["21 rules", { rules: Array.from({ length: 21 }, (_, i) => rule(`${URL_OK}/${i}`)) }, "rules"],
  ["no rules (an empty list)", { rules: [] }, "rules"],
  ["rules as an object", { rules: { when: { country: ["DE"] }, url: URL_OK } }, "rules"],
  ["a javascript: url in rule 3", { rules: rulesWith(3, rule("javascript:alert(1)")) }, "rules.3.url"],
  ["a rule url back to the short domain", { rules: [rule("https://lf.test/loop")] }, "rules.0.url"],
  ["a rule url on one of OWN_HOSTS", { rules: rulesWith(1, rule("http://linkflow-api.acme.workers.dev/x")) }, "rules.1.url"],
  ["a deep link as a rule url (http(s) only for now)", { rules: [rule("myapp://open/launch")] }, "rules.0.url"],
  ["a rule url with a zero-width space", { rules: [rule("https://exa\u200bmple.com/")] }, "rules.0.url"],
  ["a rule without a url", { rules: [{ when: { country: ["DE"] } }] }, "rules.0.url"],
  ["a rule with no condition", { rules: [rule(URL_OK, {})] }, "rules.0.when"],
  ["a rule without when", { rules: [{ url: URL_OK }] }, "rules.0.when"],
  ["a rule with an unknown condition", { rules: [rule(URL_OK, { city: ["Berlin"] })] }, "rules.0.when"],
  ["a rule with an unknown key", { rules: [{ ...rule(URL_OK), priority: 1 }] }, "rules.0"],
  ["an empty country list", { rules: [rule(URL_OK, { country: [] })] }, "rules.0.when.country"],
  ["51 countries", { rules: [rule(URL_OK, { country: Array.from({ length: 51 }, () => "DE") })] }, "rules.0.when.country"],
  ["a three-letter country", { rules: [rule(URL_OK, { country: ["DEU"] })] }, "rules.0.when.country.0"],
  ["a country with a zero-width space", { rules: [rule(URL_OK, { country: ["D\u200bE"] })] }, "rules.0.when.country.0"],
  ["a Cyrillic look-alike country", { rules: [rule(URL_OK, { country: ["\u0412Y"] })] }, "rules.0.when.country.0"],
  ["an unknown device", { rules: [rule(URL_OK, { device: ["phone"] })] }, "rules.0.when.device.0"],
  ["an unknown os", { rules: [rule(URL_OK, { os: ["ios", "beos"] })] }, "rules.0.when.os.1"],
  ["an os in capitals", { rules: [rule(URL_OK, { os: ["IOS"] })] }, "rules.0.when.os.0"],
  ["a full language tag", { rules: [rule(URL_OK, { language: ["en-US"] })] }, "rules.0.when.language.0"],
  ["a language as a word", { rules: [rule(URL_OK, { language: ["english"] })] }, "rules.0.when.language.0"],
  ["a condition as a string", { rules: [rule(URL_OK, { country: "DE" })] }, "rules.0.when.country"],
  // utm
  ["an empty utm", { utm: {} }, "utm"],
  ["an unknown utm key", { utm: { source: "a", id: "x" } }, "utm"],
  ["an empty utm source", { utm: { source: "" } }, "utm.source"],
  ["a blank utm medium", { utm: { medium: "   " } }, "utm.medium"],
  ["a utm campaign of 201 characters", { utm: { campaign: "c".repeat(201) } }, "utm.campaign"],
  ["a utm campaign with a right-to-left override", { utm: { campaign: "spring\u202eelas" } }, "utm.campaign"],
  ["a utm source with a zero-width space", { utm: { source: "news\u200bletter" } }, "utm.source"],
  ["a utm term with a bidi isolate", { utm: { term: "a\u2066b\u2069" } }, "utm.term"],
  ["a utm content with a newline", { utm: { content: "a\nb" } }, "utm.content"],
  ["a utm value as a number", { utm: { source: 1 } }, "utm.source"],
  // og
  ["an empty og", { og: {} }, "og"],
  ["an unknown og key", { og: { title: "a", type: "website" } }, "og"],
  ["an og title of 201 characters", { og: { title: "t".repeat(201) } }, "og.title"],
  ["an og description of 501 characters", { og: { description: "d".repeat(501) } }, "og.description"],
  ["an og description of 10,000 characters", { og: { description: "d".repeat(10_000) } }, "og.description"],
  ["an og title with a zero-width joiner", { og: { title: "pay\u200dpal" } }, "og.title"],
  ["an og description with a bidi override", { og: { description: "invoice\u202egnp.exe" } }, "og.description"],
  ["an og title with a byte-order mark", { og: { title: "Ti\ufefftle" } }, "og.title"],
  ["an http og image", { og: { image: "http://example.com/og.png" } }, "og.image"],
  ["a javascript: og image", { og: { image: "javascript:alert(1)" } }, "og.image"],
  ["a data: og image", { og: { image: "data:image/png;base64,AAAA" } }, "og.image"],
  ["an og image on the short domain", { og: { image: "https://lf.test/og.png" } }, "og.image"],
  ["an og image of 2049 characters", { og: { image: `https://example.com/${"i".repeat(2049 - 20)}` } }, "og.image"],
];

const onCreate: BadRequest[] = [
  ...cases.map(([name, fields, issuePath]) => ({ name, json: { url: URL_OK, ...fields }, status: 400, code: "invalid_request", issuePath })),
  // Null removes on PATCH; on create a field is simply left out.
  ...["password", "expiredUrl", "maxClicks", "rules", "utm", "og"].map((field) => ({
    name: `${field} null on create`,
    json: { url: URL_OK, [field]: null },
    status: 400,
    code: "invalid_request",
    issuePath: field,
  })),
];

const onPatch: BadRequest[] = cases.map(([name, fields, issuePath]) => ({
  name,
  method: "PATCH",
  path: "/v1/links/{link}",
  json: fields,
  status: 400,
  code: "invalid_request",
  issuePath,
}));

describe("bad request corpus: link controls", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await setUpFixture();
  });

  it.each(onCreate.map((c) => [c.name, c] as const))("create with %s", async (_n, c) => expectRefused(c, fx));
  it.each(onPatch.map((c) => [c.name, c] as const))("PATCH with %s", async (_n, c) => expectRefused(c, fx));
});
