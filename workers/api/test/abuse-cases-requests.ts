// Issue 11's abuse corpus, second half: credentials, cross-tenant reads, other headers and
// bodies, feed tokens and admin tokens.
import { ADMIN } from "./helpers";
import type { AbuseCase, Auth } from "./abuse-cases";

export function authHeaders(auth: Auth): AbuseCase[] {
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

export function revokedAndCrossTeam(auth: Auth): AbuseCase[] {
  return [
    { name: "another team's link by id", path: "/v1/links/{other}", headers: auth, statuses: [404] },
    { name: "PATCH another team's link", method: "PATCH", path: "/v1/links/{other}", body: { title: "mine now" }, headers: auth, statuses: [404] },
    { name: "DELETE another team's link", method: "DELETE", path: "/v1/links/{other}", headers: auth, statuses: [404] },
    { name: "another team's link stats", path: "/v1/links/{other}/stats", headers: auth, statuses: [404] },
    { name: "another team's link QR", path: "/v1/links/{other}/qr", headers: auth, statuses: [404] },
    { name: "the team's key on an admin route", method: "POST", path: "/v1/admin/teams", body: { name: "Mine" }, headers: auth, statuses: [401, 429] },
  ];
}

export function otherHeaders(auth: Auth): AbuseCase[] {
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

export function feedTokens(auth: Auth): AbuseCase[] {
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

export function adminTokens(auth: Auth): AbuseCase[] {
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

/** Every group of the corpus, by name: each makes its cases for a team's credentials. */
