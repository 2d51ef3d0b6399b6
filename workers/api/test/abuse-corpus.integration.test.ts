import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, BASE, createTeam, errorShape, tableCounts, waitForOutboxQuiet, type TestTeam } from "./helpers";

type Auth = Record<string, string>;

// Issue 11's abuse corpus: what an outsider or a hostile tenant sends, as in the attack on the
// running stack: hostile destinations and slugs, redirect paths, auth and other headers, feed
// tokens and admin credentials. Every case must get a 4xx JSON error (never a 500) and leave
// every table as it was. Each case comes from its own client address, so the per-address limits
// on failed authentication (which answer 429, also a refusal) do not decide what a case sees.

interface AbuseCase {
  name: string;
  method?: string;
  path: string;
  /** An absolute origin other than the tests' (e.g. the deployment's loopback name). */
  origin?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** The statuses this case may get (all refusals). */
  statuses: number[];
}

let team: TestTeam;
let address = 0;

function send(c: AbuseCase): Promise<Response> {
  const headers: Record<string, string> = { "cf-connecting-ip": `198.18.${Math.floor(address / 250)}.${(address++ % 250) + 1}`, ...c.headers };
  let body: string | undefined;
  if (c.body !== undefined) {
    body = typeof c.body === "string" ? c.body : JSON.stringify(c.body);
    headers["content-type"] ??= "application/json";
  }
  return exports.default.fetch(
    new Request(`${c.origin ?? BASE}${c.path}`, { method: c.method ?? (body === undefined ? "GET" : "POST"), headers, body, redirect: "manual" }),
  );
}

async function expectRefusedUnchanged(c: AbuseCase): Promise<void> {
  const before = await tableCounts();
  const res = await send(c);
  if (res.status < 300) await waitForOutboxQuiet();
  expect(res.status, `${c.name}: never a 500`).toBeLessThan(500);
  expect(c.statuses, `${c.name}: answered ${res.status}`).toContain(res.status);
  const text = await res.text();
  if (res.status !== 405 && res.headers.get("content-type")?.includes("json"))
    expect(errorShape.safeParse(JSON.parse(text)).success, `${c.name}: ${text}`).toBe(true);
  expect(await tableCounts(), `${c.name}: nothing written`).toEqual(before);
}

const create = (auth: Auth, name: string, url: string, extra: Record<string, unknown> = {}): AbuseCase => ({
  name,
  path: "/v1/links",
  body: { url, ...extra },
  headers: auth,
  statuses: [400],
});

function hostileUrls(auth: Auth): AbuseCase[] {
  const urls: [string, string][] = [
    ["relative http:slug", "http:slug"],
    ["relative http:/slug", "http:/slug"],
    ["scheme-relative in capitals", "HTTPS:x"],
    ["an @ authority without slashes", "https:@evil.com"],
    ["https:evil.com", "https:evil.com"],
    ["backslashes for slashes", "https:\\\\evil.com"],
    ["slash-backslash", "https:/\\evil.com"],
    ["three slashes", "http:///evil.com"],
    ["an empty user", "https://@evil.com/"],
    ["an empty user and password", "https://:@evil.com/"],
    ["a user only", "http://user@evil.com"],
    ["user and password", "https://admin:hunter2@evil.com/"],
    ["an encoded @ in the host", "https://evil.com%40lf.test/"],
    ["protocol-relative", "//evil.com/path"],
    ["a path only", "/slug"],
    ["a query only", "?next=https://evil.com"],
    ["a fragment only", "#https://evil.com"],
    ["javascript:", "javascript:alert(1)"],
    ["javascript: with a tab inside", "java\tscript:alert(1)"],
    ["javascript: after spaces", "   javascript:alert(1)"],
    ["vbscript:", "vbscript:msgbox(1)"],
    ["data: text/html", "data:text/html,<script>alert(1)</script>"],
    ["blob:", "blob:https://lf.test/0b8c9a"],
    ["file:", "file:///etc/passwd"],
    ["ws:", "ws://example.com/socket"],
    ["chrome:", "chrome://settings"],
    ["the short domain", "https://lf.test/x"],
    ["the short domain, trailing dot", "https://lf.test./x"],
    ["the short domain, upper case", "HTTPS://LF.TEST/x"],
    ["the short domain, percent-encoded host", "https://%6c%66.test/x"],
    ["the short domain on another port", "https://lf.test:444/x"],
    ["a configured alias", "https://lf-alias.test/x"],
    ["the workers.dev twin", "https://linkflow-api.acme.workers.dev/x"],
    ["the workers.dev twin, upper case", "https://LINKFLOW-API.ACME.WORKERS.DEV/x"],
    ["a zero-width space in the host", "https://lf\u200b.test/x"],
    ["a right-to-left override", "https://example.com/\u202eexe.pdf"],
    ["a NUL", "https://example.com/\u0000"],
    ["a newline (header injection)", "https://example.com/\r\nSet-Cookie: a=b"],
    ["a no-break space", "https://example.com/\u00a0x"],
    ["an ideographic full stop host trick with spaces", "https://example\u3000com/"],
    ["a bare host", "example.com"],
    ["a host and port only", "example.com:443"],
    ["an empty string", ""],
    ["a scheme only", "https://"],
    ["a broken IPv6 literal", "http://[::1/"],
    ["2049 characters", `https://example.com/${"a".repeat(2029)}`],
    ["mailto:", "mailto:a@example.com"],
  ];
  return urls.map(([name, url]) => create(auth, `url: ${name}`, url));
}

function loopbackAliases(auth: Auth): AbuseCase[] {
  // The deployment answering on localhost: every loopback name is its own host.
  const urls = [
    "http://127.0.0.1:8787/",
    "http://127.0.0.2/",
    "http://127.1/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://2130706433/",
    "http://[::1]/",
    "http://[0::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://localhost./",
    "http://api.localhost/",
    "http://0.0.0.0/",
  ];
  return urls.map((url) => ({ ...create(auth, `url on a loopback deployment: ${url}`, url), origin: "http://localhost:8787" }));
}

function hostileSlugs(auth: Auth): AbuseCase[] {
  const slugs: unknown[] = [
    "v1",
    "DOCS",
    "docs-ui",
    "Dashboard",
    "openapi.json",
    "healthz",
    "..",
    ".",
    "a/b",
    "a\\b",
    "%2e%2e",
    "a%2Fb",
    "a b",
    "a?b",
    "a#b",
    "",
    "x".repeat(65),
    "\u0430dmin",
    "l\u0131nk",
    "\u{1f680}",
    "ab\u200bc",
    "\u202eab",
    42,
    null,
    ["a"],
    { slug: "a" },
  ];
  return slugs.map((slug) => ({ ...create(auth, `slug ${JSON.stringify(slug)}`, "https://example.com/slug-case", { slug }), statuses: [400] }));
}

function redirectPaths(auth: Auth): AbuseCase[] {
  const paths = [
    "/%2e%2e",
    "/..%2f..%2fetc%2fpasswd",
    "/%00",
    "/a%00b",
    "/%ff",
    "/%c0%ae%c0%ae",
    "/" + "s".repeat(65),
    "/" + "s".repeat(5000),
    "/a%20b",
    "/%E2%80%AEabc",
    "/\u0430bc",
    "/.env",
    "/.git/config",
    "/wp-admin",
    "/slug;param",
    "/slug%3Fq",
    "/v2",
    "/admin",
    "/api",
    "/nope-unknown-slug",
  ];
  return [
    ...paths.map((path) => ({ name: `GET ${path.slice(0, 40)}`, path, statuses: [404] })),
    ...["POST", "PUT", "DELETE", "PATCH"].map((method) => ({ name: `${method} on a short link path`, method, path: "/some-slug", statuses: [404, 405] })),
  ];
}

function authHeaders(auth: Auth): AbuseCase[] {
  const values = [
    "",
    "Bearer",
    "Bearer ",
    "Bearer  lf_abc",
    "Basic bGY6eA==",
    "Token lf_abc",
    "lf_abc",
    "Bearer lf_",
    "Bearer lf_" + "A".repeat(43),
    "Bearer lf_" + "A".repeat(44),
    "Bearer lf_" + "A".repeat(42),
    "Bearer LF_" + "A".repeat(43),
    "Bearer lf_" + "A".repeat(600),
    "Bearer lf_%00",
    "Bearer lf_abc, Bearer lf_def",
    "Bearer " + "x".repeat(8000),
    "Bearer test-admin-token-0123456789",
    "Bearer null",
    "Bearer undefined",
    "Bearer ' OR 1=1 --",
    "Bearer lf_\u00e9\u00e9",
    "Digest username=x",
  ];
  return values.map((authorization, i) => ({
    name: `Authorization #${i}: ${JSON.stringify(authorization.slice(0, 30))}`,
    path: "/v1/links",
    method: "POST",
    body: { url: "https://example.com/auth" },
    headers: { authorization },
    statuses: [401, 429],
  }));
}

function revokedAndCrossTeam(auth: Auth): AbuseCase[] {
  return [
    { name: "another team's link by id", path: "/v1/links/{other}", headers: auth, statuses: [404] },
    { name: "PATCH another team's link", method: "PATCH", path: "/v1/links/{other}", body: { title: "mine now" }, headers: auth, statuses: [404] },
    { name: "DELETE another team's link", method: "DELETE", path: "/v1/links/{other}", headers: auth, statuses: [404] },
    { name: "another team's link stats", path: "/v1/links/{other}/stats", headers: auth, statuses: [404] },
    { name: "another team's link QR", path: "/v1/links/{other}/qr", headers: auth, statuses: [404] },
    { name: "the team's key on an admin route", method: "POST", path: "/v1/admin/teams", body: { name: "Mine" }, headers: auth, statuses: [401, 429] },
  ];
}

function otherHeaders(auth: Auth): AbuseCase[] {
  return [
    {
      name: "content-type text/plain",
      path: "/v1/links",
      body: '{"url":"https://example.com/ct"}',
      headers: { ...auth, "content-type": "text/plain" },
      statuses: [415],
    },
    {
      name: "content-type with a bogus charset",
      path: "/v1/links",
      body: { url: "https://example.com/ct" },
      headers: { ...auth, "content-type": "application/json; charset=utf-7" },
      statuses: [415],
    },
    {
      name: "content-type application/json-patch+json",
      path: "/v1/links",
      body: { url: "https://example.com/ct" },
      headers: { ...auth, "content-type": "application/json-patch+json" },
      statuses: [415],
    },
    {
      name: "a lying Content-Length",
      path: "/v1/links",
      body: { url: "https://example.com/cl", title: "x".repeat(70_000) },
      headers: { ...auth, "content-length": "10" },
      statuses: [400, 413],
    },
    { name: "a huge title", path: "/v1/links", body: { url: "https://example.com/big", title: "x".repeat(70_000) }, headers: auth, statuses: [413] },
    { name: "a garbage traceparent on a bad body", path: "/v1/links", body: "{", headers: { ...auth, traceparent: "00-zz-zz-01" }, statuses: [400] },
    {
      name: "an all-zero traceparent on a bad body",
      path: "/v1/links",
      body: "{",
      headers: { ...auth, traceparent: `00-${"0".repeat(32)}-${"0".repeat(16)}-01` },
      statuses: [400],
    },
    { name: "a 4 KB traceparent on a bad body", path: "/v1/links", body: "{", headers: { ...auth, traceparent: "0".repeat(4096) }, statuses: [400] },
    {
      name: "X-HTTP-Method-Override to DELETE",
      path: "/v1/links/{own}",
      headers: { ...auth, "x-http-method-override": "DELETE" },
      method: "POST",
      body: {},
      statuses: [404, 405],
    },
  ];
}

function feedTokens(auth: Auth): AbuseCase[] {
  const team26 = "team_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC";
  const future = Math.floor(Date.now() / 1000) + 30;
  const tokens = [
    "",
    "ft1",
    "ft1....",
    `ft1.${team26}.${future}.${"0".repeat(64)}`,
    `ft1.${team26}.${future}.${"f".repeat(64)}`,
    `ft1.${team26}.9999999999.${"a".repeat(64)}`,
    `ft1.${team26}.0000000000.${"a".repeat(64)}`,
    `ft2.${team26}.key_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC.${future}.${"a".repeat(64)}`,
    `ft2.${team26}.key_x.${future}.${"a".repeat(64)}`,
    `ft9.${team26}.${future}.${"a".repeat(64)}`,
    `FT1.${team26}.${future}.${"a".repeat(64)}`,
    `ft1.team_x.${future}.${"a".repeat(64)}`,
    `ft1.${team26}.${future}.${"A".repeat(64)}`,
    `ft1.${team26}.${future}.${"a".repeat(63)}`,
    "x".repeat(256),
    "x".repeat(257),
    "%00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "lf_" + "A".repeat(43),
  ];
  return tokens.map((token, i) => ({
    name: `feed token #${i}: ${JSON.stringify(token.slice(0, 24))}`,
    path: `/v1/feed?token=${encodeURIComponent(token)}`,
    headers: { upgrade: "websocket" },
    statuses: [400, 401, 429],
  }));
}

function adminTokens(auth: Auth): AbuseCase[] {
  const real = (ADMIN.authorization ?? "").replace(/^Bearer /, "");
  const values = [
    `Bearer ${real},${real}`,
    `Bearer ${real}x`,
    `Bearer ${real.slice(0, -1)}`,
    `Bearer ${real.toUpperCase()}`,
    `bearer  ${real}`,
    "Bearer replace-with-a-long-random-string",
    "Bearer admin",
    "Bearer " + real.repeat(20),
    `Basic ${btoa(`admin:${real}`)}`,
  ];
  return values.map((authorization, i) => ({
    name: `admin credential #${i}`,
    method: "POST",
    path: "/v1/admin/teams",
    body: { name: "Hostile" },
    headers: { authorization },
    statuses: [400, 401, 429],
  }));
}

describe("abuse corpus (issue 11): 4xx, never 500, nothing written", () => {
  let other: string;
  let own: string;
  beforeAll(async () => {
    team = await createTeam("Abuse target");
    const rival = await createTeam("Rival");
    const ownLink = await exports.default.fetch(
      new Request(`${BASE}/v1/links`, {
        method: "POST",
        headers: { ...team.auth, "content-type": "application/json" },
        body: JSON.stringify({ url: "https://example.com/own" }),
      }),
    );
    const otherLink = await exports.default.fetch(
      new Request(`${BASE}/v1/links`, {
        method: "POST",
        headers: { ...rival.auth, "content-type": "application/json" },
        body: JSON.stringify({ url: "https://example.com/theirs" }),
      }),
    );
    own = ((await ownLink.json()) as { id: string }).id;
    other = ((await otherLink.json()) as { id: string }).id;
    await waitForOutboxQuiet();
  });

  const groups: [string, (auth: Auth) => AbuseCase[]][] = [
    ["hostile destination URLs", hostileUrls],
    ["loopback aliases of a loopback deployment", loopbackAliases],
    ["hostile slugs", hostileSlugs],
    ["redirect paths and methods", redirectPaths],
    ["Authorization headers", authHeaders],
    ["cross-tenant and privilege", revokedAndCrossTeam],
    ["other headers and bodies", otherHeaders],
    ["feed tokens", feedTokens],
    ["admin credentials", adminTokens],
  ];

  it("has at least 150 cases", () => {
    expect(groups.reduce((n, [, make]) => n + make({}).length, 0)).toBeGreaterThanOrEqual(150);
  });

  for (const [group, make] of groups) {
    it(`${group}`, async () => {
      for (const c of make(team.auth)) await expectRefusedUnchanged({ ...c, path: c.path.replace("{other}", other).replace("{own}", own) });
    });
  }
});
