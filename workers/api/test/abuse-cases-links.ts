// Issue 11's abuse corpus, first half: hostile destinations, slugs and redirect paths.
import type { AbuseCase, Auth } from "./abuse-cases";

const create = (auth: Auth, name: string, url: string, extra: Record<string, unknown> = {}): AbuseCase => ({
  name,
  path: "/v1/links",
  body: { url, ...extra },
  headers: auth,
  statuses: [400],
});

export function hostileUrls(auth: Auth): AbuseCase[] {
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

export function loopbackAliases(auth: Auth): AbuseCase[] {
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

export function hostileSlugs(auth: Auth): AbuseCase[] {
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

export function redirectPaths(auth: Auth): AbuseCase[] {
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
