import { beforeAll, describe, it } from "vitest";
import { BIG, bigJson, expectRefused, setUpFixture, streamed, type BadRequest, type Fixture } from "./bad-request-harness";

// Bad bodies: malformed JSON, wrong types, unknown fields, content types, sizes,
// and the admin routes' bodies. Each answers its 4xx envelope and writes nothing.

const malformed: BadRequest[] = [
  { name: "truncated JSON", raw: '{"url": "https://example.com/', status: 400, code: "invalid_request" },
  { name: "JSON with trailing garbage", raw: '{"url": "https://example.com/"} trailing', status: 400, code: "invalid_request" },
  { name: "single-quoted pseudo-JSON", raw: "{'url': 'https://example.com/'}", status: 400, code: "invalid_request" },
  { name: "an empty body", raw: "", status: 400, code: "invalid_request" },
  { name: "a whitespace-only body", raw: "  \n\t ", status: 400, code: "invalid_request" },
  { name: "JSON null", raw: "null", status: 400, code: "invalid_request" },
  { name: "a JSON array", raw: '[{"url": "https://example.com/"}]', status: 400, code: "invalid_request" },
  { name: "a JSON string", raw: '"https://example.com/"', status: 400, code: "invalid_request" },
  { name: "a JSON number", raw: "42", status: 400, code: "invalid_request" },
  { name: "a byte-order mark and binary junk", raw: "\ufeff\u0000\u0001", status: 400, code: "invalid_request" },
  { name: "PATCH with malformed JSON", method: "PATCH", path: "/v1/links/{link}", raw: "{", status: 400, code: "invalid_request" },
  { name: "bulk with malformed JSON", path: "/v1/links/bulk", raw: '{"links": [', status: 400, code: "invalid_request" },
];

const fields: BadRequest[] = [
  { name: "no url", json: {}, status: 400, code: "invalid_request" },
  { name: "an unknown field", json: { url: "https://example.com/", colour: "red" }, status: 400, code: "invalid_request" },
  { name: "a read-only field (id)", json: { url: "https://example.com/", id: "lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC" }, status: 400, code: "invalid_request" },
  { name: "a read-only field (shortUrl)", json: { url: "https://example.com/", shortUrl: "https://lf.test/x" }, status: 400, code: "invalid_request" },
  { name: "a prototype-pollution key", raw: '{"url": "https://example.com/", "__proto__": {"admin": true}}', status: 400, code: "invalid_request" },
  { name: "url as a number", json: { url: 42 }, status: 400, code: "invalid_request" },
  { name: "url as null", json: { url: null }, status: 400, code: "invalid_request" },
  { name: "url as an array", json: { url: ["https://example.com/"] }, status: 400, code: "invalid_request" },
  { name: "title as a number", json: { url: "https://example.com/", title: 7 }, status: 400, code: "invalid_request" },
  { name: "title as an object", json: { url: "https://example.com/", title: { en: "x" } }, status: 400, code: "invalid_request" },
  { name: "tags as a string", json: { url: "https://example.com/", tags: "a,b" }, status: 400, code: "invalid_request" },
  { name: "tags of numbers", json: { url: "https://example.com/", tags: [1, 2] }, status: 400, code: "invalid_request" },
  { name: "slug as a number", json: { url: "https://example.com/", slug: 1234 }, status: 400, code: "invalid_request" },
  { name: "expiresAt as epoch millis", json: { url: "https://example.com/", expiresAt: 1893456000000 }, status: 400, code: "invalid_request" },
  { name: "expiresAt as a boolean", json: { url: "https://example.com/", expiresAt: true }, status: 400, code: "invalid_request" },
];

const contentTypes: BadRequest[] = [
  { name: "no content type", json: { url: "https://example.com/" }, contentType: null, status: 415, code: "unsupported_media_type" },
  { name: "text/plain", json: { url: "https://example.com/" }, contentType: "text/plain", status: 415, code: "unsupported_media_type" },
  {
    name: "a form body",
    raw: "url=https%3A%2F%2Fexample.com%2F",
    contentType: "application/x-www-form-urlencoded",
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "multipart",
    raw: '--b\r\nContent-Disposition: form-data; name="url"\r\n\r\nhttps://example.com/\r\n--b--\r\n',
    contentType: "multipart/form-data; boundary=b",
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "JSON in latin1",
    json: { url: "https://example.com/" },
    contentType: "application/json; charset=latin1",
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "a JSON-suffixed vendor type",
    json: { url: "https://example.com/" },
    contentType: "application/vnd.api+json",
    status: 415,
    code: "unsupported_media_type",
  },
  { name: "text/json", json: { url: "https://example.com/" }, contentType: "text/json", status: 415, code: "unsupported_media_type" },
  {
    name: "PATCH as text/plain",
    method: "PATCH",
    path: "/v1/links/{link}",
    json: { title: "t" },
    contentType: "text/plain",
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "PATCH without content type",
    method: "PATCH",
    path: "/v1/links/{link}",
    json: { title: "t" },
    contentType: null,
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "bulk as text/plain",
    path: "/v1/links/bulk",
    json: { links: [{ url: "https://example.com/" }] },
    contentType: "text/plain",
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "admin team as text/plain",
    auth: "admin",
    path: "/v1/admin/teams",
    json: { name: "T" },
    contentType: "text/plain",
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "admin key without content type",
    auth: "admin",
    path: "/v1/admin/teams/{team}/keys",
    json: {},
    contentType: null,
    status: 415,
    code: "unsupported_media_type",
  },
];

const sizes: BadRequest[] = [
  { name: `a ${BIG}-byte body`, raw: bigJson(), status: 413, code: "payload_too_large" },
  { name: "a body just over 64 KB", raw: bigJson(64 * 1024), status: 413, code: "payload_too_large" },
  { name: "an oversized body streamed without Content-Length", raw: streamed(bigJson()), status: 413, code: "payload_too_large" },
  {
    name: "an oversized body whose Content-Length lies (claims 64 bytes)",
    raw: bigJson(),
    headers: { "content-length": "64" },
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "an oversized bulk body",
    path: "/v1/links/bulk",
    raw: JSON.stringify({ links: Array.from({ length: 100 }, () => ({ url: `https://example.com/${"p".repeat(800)}` })) }),
    status: 413,
    code: "payload_too_large",
  },
  { name: "an oversized PATCH body", method: "PATCH", path: "/v1/links/{link}", raw: bigJson(), status: 413, code: "payload_too_large" },
  { name: "an oversized streamed PATCH body", method: "PATCH", path: "/v1/links/{link}", raw: streamed(bigJson()), status: 413, code: "payload_too_large" },
  {
    name: "an oversized admin team body",
    auth: "admin",
    path: "/v1/admin/teams",
    raw: JSON.stringify({ name: "n".repeat(BIG) }),
    status: 413,
    code: "payload_too_large",
  },
];

const admin: BadRequest[] = [
  { name: "team with plan gold", auth: "admin", path: "/v1/admin/teams", json: { name: "T", plan: "gold" }, status: 400, code: "invalid_request" },
  { name: "team with plan in capitals", auth: "admin", path: "/v1/admin/teams", json: { name: "T", plan: "PRO" }, status: 400, code: "invalid_request" },
  { name: "team without name", auth: "admin", path: "/v1/admin/teams", json: { plan: "pro" }, status: 400, code: "invalid_request" },
  { name: "team with a blank name", auth: "admin", path: "/v1/admin/teams", json: { name: "   " }, status: 400, code: "invalid_request" },
  {
    name: "team name with a control character",
    auth: "admin",
    path: "/v1/admin/teams",
    json: { name: "Evil\u0007Corp" },
    status: 400,
    code: "invalid_request",
  },
  { name: "team name with a bidi override", auth: "admin", path: "/v1/admin/teams", json: { name: "Acme\u202egnp.exe" }, status: 400, code: "invalid_request" },
  { name: "team name of 101 characters", auth: "admin", path: "/v1/admin/teams", json: { name: "n".repeat(101) }, status: 400, code: "invalid_request" },
  { name: "team with an unknown field", auth: "admin", path: "/v1/admin/teams", json: { name: "T", owner: "me" }, status: 400, code: "invalid_request" },
  { name: "team name as a number", auth: "admin", path: "/v1/admin/teams", json: { name: 5 }, status: 400, code: "invalid_request" },
  {
    name: "key with an unknown field",
    auth: "admin",
    path: "/v1/admin/teams/{team}/keys",
    json: { name: "k", scope: "all" },
    status: 400,
    code: "invalid_request",
  },
  { name: "key name as a number", auth: "admin", path: "/v1/admin/teams/{team}/keys", json: { name: 1 }, status: 400, code: "invalid_request" },
  {
    name: "key name with zero-width space",
    auth: "admin",
    path: "/v1/admin/teams/{team}/keys",
    json: { name: "ci\u200bkey" },
    status: 400,
    code: "invalid_request",
  },
  { name: "key for a malformed team id", auth: "admin", path: "/v1/admin/teams/team_not!valid/keys", json: {}, status: 404, code: "not_found" },
  {
    name: "key revocation with a malformed key id",
    auth: "admin",
    method: "DELETE",
    path: "/v1/admin/teams/{team}/keys/%27%20OR%201%3D1",
    status: 404,
    code: "not_found",
  },
];

describe("bad request corpus: bodies", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await setUpFixture();
  });

  it.each(malformed.map((c) => [c.name, c] as const))("malformed: %s", async (_n, c) => expectRefused(c, fx));
  it.each(fields.map((c) => [c.name, c] as const))("fields: %s", async (_n, c) => expectRefused(c, fx));
  it.each(contentTypes.map((c) => [c.name, c] as const))("content type: %s", async (_n, c) => expectRefused(c, fx));
  it.each(sizes.map((c) => [c.name, c] as const))("size: %s", async (_n, c) => expectRefused(c, fx));
  it.each(admin.map((c) => [c.name, c] as const))("admin: %s", async (_n, c) => expectRefused(c, fx));
});
