import { beforeAll, describe, it } from "vitest";
import { createLink, waitForOutboxQuiet } from "./helpers";
import { expectRefused, ISSUED_EVENT_ID, ISSUED_LINK_ID, setUpFixture, type BadRequest, type Fixture } from "./bad-request-harness";

// Bad values: URLs, text, slugs, dates, query strings, ids, PATCH and bulk shapes.
// Each answers its 4xx envelope and writes nothing.

const invalid = (name: string, body: Record<string, unknown>, extra: Partial<BadRequest> = {}): BadRequest => ({
  name,
  json: body,
  status: 400,
  code: "invalid_request",
  ...extra,
});
const withUrl = (name: string, url: string): BadRequest => invalid(name, { url });
const withField = (name: string, field: string, value: unknown): BadRequest => invalid(name, { url: "https://example.com/ok", [field]: value });

const urls: BadRequest[] = [
  withUrl("javascript: URL", "javascript:alert(document.cookie)"),
  withUrl("JaVaScRiPt: in mixed case", "JaVaScRiPt:alert(1)"),
  withUrl("data: URL", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="),
  withUrl("file: URL", "file:///etc/passwd"),
  withUrl("ftp: URL", "ftp://example.com/file.txt"),
  withUrl("mailto: URL", "mailto:someone@example.com"),
  withUrl("a relative path", "/just/a/path"),
  withUrl("a bare host", "example.com/no-scheme"),
  withUrl("an empty url", ""),
  withUrl("a scheme without host", "https://"),
  withUrl("a broken IPv6 host", "http://[::1/"),
  withUrl("a url of 2049 characters", `https://example.com/${"a".repeat(2049 - "https://example.com/".length)}`),
  withUrl("credentials in the url", "https://user:secret@example.com/"),
  withUrl("a user name in the url", "https://user@example.com/"),
  withUrl("the short domain itself", "https://lf.test/abc"),
  withUrl("the short domain in capitals", "https://LF.TEST/abc"),
  withUrl("the short domain on another port", "http://lf.test:8080/abc"),
  withUrl("the short domain as a fully-qualified name (trailing dot)", "https://lf.test./abc"),
  withUrl("a space inside", "https://example.com/a b"),
  withUrl("a leading space", " https://example.com/"),
  withUrl("a trailing newline", "https://example.com/\n"),
  withUrl("a tab", "https://example.com/\tx"),
  withUrl("a NUL byte", "https://example.com/\u0000"),
  withUrl("a zero-width space in the host", "https://exa\u200bmple.com/"),
  withUrl("a right-to-left override", "https://example.com/\u202efdp.exe"),
  withUrl("a byte-order mark", "\ufeffhttps://example.com/"),
  withUrl("a no-break space", "https://example.com/\u00a0"),
  withUrl("an ideographic space", "https://example.com/\u3000"),
];

const texts: BadRequest[] = [
  withField("a title with a NUL", "title", "Hello\u0000"),
  withField("a title with a bell", "title", "Ding\u0007"),
  withField("a title with a right-to-left override", "title", "invoice\u202egnp.exe"),
  withField("a title with a bidi isolate", "title", "a\u2066b\u2069"),
  withField("a title with a zero-width space", "title", "pay\u200bpal"),
  withField("a title with a zero-width joiner", "title", "a\u200db"),
  withField("a title with a byte-order mark inside", "title", "Ti\ufefftle"),
  withField("a title with a lone surrogate", "title", "broken \ud800 text"),
  withField("a blank title", "title", "   "),
  withField("a title of 201 characters", "title", "t".repeat(201)),
  withField("a tag with a newline", "tags", ["ok", "bad\ntag"]),
  withField("a tag with a zero-width space", "tags", ["zero\u200bwidth"]),
  withField("a tag with a bidi override", "tags", ["\u202etag"]),
  withField("an empty tag", "tags", [""]),
  withField("a blank tag", "tags", ["   "]),
  withField("a tag of 41 characters", "tags", ["g".repeat(41)]),
  withField(
    "21 tags",
    "tags",
    Array.from({ length: 21 }, (_, i) => `tag${i}`),
  ),
];

const slugs: BadRequest[] = [
  ...["v1", "V1", "dashboard", "DashBoard", "docs", "DOCS", "healthz", "HealthZ", "openapi.json", "OpenAPI.JSON", "admin"].map((slug) =>
    withField(`reserved slug ${slug}`, "slug", slug),
  ),
  withField("a slug of 65 characters", "slug", "s".repeat(65)),
  withField("an empty slug", "slug", ""),
  withField("a slug with a space", "slug", "my slug"),
  withField("a slug with a slash", "slug", "a/b"),
  withField("a slug with a dot", "slug", "a.b"),
  withField("a slug with a percent escape", "slug", "a%20b"),
  withField("a slug with a Cyrillic look-alike", "slug", "p\u0430ypal"),
  withField("a full-width slug", "slug", "\uff53\uff4c\uff55\uff47"),
  withField("a slug with an emoji", "slug", "launch\u{1f680}"),
  withField("a slug with a zero-width space", "slug", "la\u200bunch"),
  withField("a slug with a dotless i", "slug", "l\u0131nk"),
];

const dates: BadRequest[] = [
  withField("expiresAt in the past", "expiresAt", "2001-01-01T00:00:00Z"),
  withField("expiresAt at the epoch", "expiresAt", "1970-01-01T00:00:00Z"),
  withField("expiresAt as prose", "expiresAt", "tomorrow"),
  withField("expiresAt as a date only", "expiresAt", "2030-01-01"),
  withField("expiresAt on February 30th", "expiresAt", "2030-02-30T00:00:00Z"),
  withField("expiresAt without a time zone", "expiresAt", "2030-01-01T00:00:00"),
  withField("expiresAt with a space instead of T", "expiresAt", "2030-01-01 00:00:00Z"),
  withField("expiresAt with an expanded year", "expiresAt", "+010000-01-01T00:00:00Z"),
  withField("expiresAt that is past year 9999 in UTC", "expiresAt", "9999-12-31T23:00:00-05:00"),
];

const queries: BadRequest[] = [
  { name: "limit=0", path: "/v1/links?limit=0", status: 400, code: "invalid_request" },
  { name: "limit=101", path: "/v1/links?limit=101", status: 400, code: "invalid_request" },
  { name: "limit=abc", path: "/v1/links?limit=abc", status: 400, code: "invalid_request" },
  { name: "limit=-1", path: "/v1/links?limit=-1", status: 400, code: "invalid_request" },
  { name: "limit=1.5", path: "/v1/links?limit=1.5", status: 400, code: "invalid_request" },
  { name: "a cursor that is not base64", path: "/v1/links?cursor=!!!", status: 400, code: "invalid_request" },
  { name: "a cursor that decodes to no id", path: `/v1/links?cursor=${btoa("hello")}`, status: 400, code: "invalid_request" },
  { name: "an event cursor on links", path: `/v1/links?cursor=${btoa(ISSUED_EVENT_ID)}`, status: 400, code: "invalid_request" },
  { name: "a 300-character cursor", path: `/v1/links?cursor=${"A".repeat(300)}`, status: 400, code: "invalid_request" },
  { name: "an unknown query parameter", path: "/v1/links?sort=asc", status: 400, code: "invalid_request" },
  { name: "a tag filter with a zero-width space", path: "/v1/links?tag=a%E2%80%8Bb", status: 400, code: "invalid_request" },
  { name: "a q with a control character", path: "/v1/links?q=a%07b", status: 400, code: "invalid_request" },
  { name: "a q of 201 characters", path: `/v1/links?q=${"q".repeat(201)}`, status: 400, code: "invalid_request" },
  { name: "events limit=0", path: "/v1/events?limit=0", status: 400, code: "invalid_request" },
  { name: "events of an unknown type", path: "/v1/events?type=LinkExploded", status: 400, code: "invalid_request" },
  { name: "a link cursor on events", path: `/v1/events?cursor=${btoa(ISSUED_LINK_ID)}`, status: 400, code: "invalid_request" },
  { name: "an events cursor that is not base64", path: "/v1/events?cursor=%25%25", status: 400, code: "invalid_request" },
];

const ids: BadRequest[] = [
  { name: "GET a numeric link id", path: "/v1/links/123", status: 404, code: "not_found" },
  { name: "GET a lower-case link id", path: `/v1/links/${ISSUED_LINK_ID.toLowerCase()}`, status: 404, code: "not_found" },
  { name: "GET an unknown well-formed link id", path: `/v1/links/${ISSUED_LINK_ID}`, status: 404, code: "not_found" },
  { name: "GET an event id as a link id", path: `/v1/links/${ISSUED_EVENT_ID}`, status: 404, code: "not_found" },
  { name: "GET a link id with SQL in it", path: "/v1/links/lnk_'%20OR%20'1'%3D'1", status: 404, code: "not_found" },
  { name: "GET an emoji link id", path: "/v1/links/%F0%9F%98%80", status: 404, code: "not_found" },
  { name: "GET a link id with a NUL", path: `/v1/links/${ISSUED_LINK_ID}%00`, status: 404, code: "not_found" },
  { name: "PATCH a malformed link id", method: "PATCH", path: "/v1/links/not-an-id", json: { title: "x" }, status: 404, code: "not_found" },
  { name: "DELETE a malformed link id", method: "DELETE", path: "/v1/links/lnk_", status: 404, code: "not_found" },
  { name: "DELETE an unknown link id", method: "DELETE", path: `/v1/links/${ISSUED_LINK_ID}`, status: 404, code: "not_found" },
  { name: "GET a malformed event id", path: "/v1/events/evt_nope", status: 404, code: "not_found" },
  { name: "GET a link id as an event id", path: `/v1/events/${ISSUED_LINK_ID}`, status: 404, code: "not_found" },
  { name: "GET an unknown well-formed event id", path: `/v1/events/${ISSUED_EVENT_ID}`, status: 404, code: "not_found" },
  { name: "GET a lower-case event id", path: `/v1/events/${ISSUED_EVENT_ID.toLowerCase()}`, status: 404, code: "not_found" },
];

const patches: BadRequest[] = [
  { name: "an empty object", json: {} },
  { name: "an unknown field", json: { colour: "red" } },
  { name: "the read-only id", json: { id: ISSUED_LINK_ID } },
  { name: "a javascript: url", json: { url: "javascript:alert(1)" } },
  { name: "a url back to the short domain", json: { url: "https://lf.test/loop" } },
  { name: "a reserved slug in another case", json: { slug: "Docs" } },
  { name: "a slug with bad characters", json: { slug: "no spaces" } },
  { name: "expiresAt in the past", json: { expiresAt: "2000-01-01T00:00:00Z" } },
  { name: "an empty title", json: { title: "" } },
  { name: "a title with a bidi override", json: { title: "\u202eabc" } },
  { name: "tags set to null", json: { tags: null } },
  { name: "url set to null", json: { url: null } },
  { name: "slug set to null", json: { slug: null } },
  { name: "21 tags", json: { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) } },
].map((c) => ({ ...c, method: "PATCH" as const, path: "/v1/links/{link}", status: 400, code: "invalid_request" }));

const bulk: BadRequest[] = [
  { name: "no links", json: { links: [] } },
  { name: "101 links", json: { links: Array.from({ length: 101 }, (_, i) => ({ url: `https://example.com/${i}` })) } },
  { name: "a missing links field", json: {} },
  { name: "links as a string", json: { links: "https://example.com/" } },
  { name: "links as null", json: { links: null } },
  { name: "an extra top-level field", json: { links: [{ url: "https://example.com/" }], dryRun: true } },
  { name: "a bare array", json: [{ url: "https://example.com/" }] },
].map((c) => ({ ...c, path: "/v1/links/bulk", status: 400, code: "invalid_request" }));

describe("bad request corpus: values", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await setUpFixture();
  });

  it.each(urls.map((c) => [c.name, c] as const))("url: %s", async (_n, c) => expectRefused(c, fx));
  it.each(texts.map((c) => [c.name, c] as const))("text: %s", async (_n, c) => expectRefused(c, fx));
  it.each(slugs.map((c) => [c.name, c] as const))("slug: %s", async (_n, c) => expectRefused(c, fx));
  it.each(dates.map((c) => [c.name, c] as const))("expiresAt: %s", async (_n, c) => expectRefused(c, fx));
  it.each(queries.map((c) => [c.name, c] as const))("query: %s", async (_n, c) => expectRefused(c, fx));
  it.each(ids.map((c) => [c.name, c] as const))("id: %s", async (_n, c) => expectRefused(c, fx));
  it.each(patches.map((c) => [c.name, c] as const))("PATCH with %s", async (_n, c) => expectRefused(c, fx));
  it.each(bulk.map((c) => [c.name, c] as const))("bulk with %s", async (_n, c) => expectRefused(c, fx));

  it("a taken slug answers 409 conflict, on create and on PATCH", async () => {
    await expectRefused({ name: "taken slug on create", json: { url: "https://example.com/dup", slug: fx.takenSlug }, status: 409, code: "conflict" }, fx);
    const second = await createLink(fx.team, { url: "https://example.com/second" });
    await waitForOutboxQuiet();
    await expectRefused(
      { name: "taken slug on PATCH", method: "PATCH", path: `/v1/links/${second.id}`, json: { slug: fx.takenSlug }, status: 409, code: "conflict" },
      fx,
    );
  });
});
