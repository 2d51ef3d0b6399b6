import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkDestination, ownHostSet } from "../src/links/url-policy";
import { api, createLink, createTeam, errorOf, json, tableCounts, unique, waitForOutboxQuiet, type TestTeam } from "./helpers";

// Issue 11.1 (redirect loops through relative URLs) and 11.11 (one Location encoding): what a
// destination may be, the form it is stored in, and the Location both redirect paths send.

let shared: TestTeam | undefined;
async function team(): Promise<TestTeam> {
  shared ??= await createTeam("Destinations");
  return shared;
}

/** The api as reached on another host name (the request's host is one of the deployment's own). */
function apiAt(origin: string, path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${origin}${path}`, { redirect: "manual", ...init }));
}

describe("destinations that a browser would resolve against the short link", () => {
  const relative = [
    "http:slug",
    "http:/slug",
    "HTTPS:x",
    "https:@evil.com",
    "https:evil.com",
    "https:\\\\evil.com",
    "https:/\\evil.com",
    "http:///evil.com",
    "https://@evil.com/",
    "https://:@evil.com/",
    "http://user@evil.com",
  ];

  it.each(relative)("refuses %j with 400 naming url and writes nothing", async (url) => {
    const t = await team();
    await waitForOutboxQuiet();
    const before = await tableCounts();
    const res = await api("/v1/links", json({ url }, t.auth));
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_request");
    expect(error.issues?.[0]?.path).toBe("url");
    expect(await tableCounts()).toEqual(before);
  });

  it("refuses them in bulk items and in PATCH too", async () => {
    const t = await team();
    const bulk = await api("/v1/links/bulk", json({ links: [{ url: "http:slug" }, { url: "https://example.com/fine" }] }, t.auth));
    const body = (await bulk.json()) as { results: { ok: boolean; error?: { code: string } }[] };
    expect(body.results.map((r) => r.ok)).toEqual([false, true]);
    expect(body.results[0]?.error?.code).toBe("invalid_request");

    const link = await createLink(t, { url: "https://example.com/patch-me" });
    const patch = await api(`/v1/links/${link.id}`, { ...json({ url: "HTTPS:x" }, t.auth), method: "PATCH" });
    expect(patch.status).toBe(400);
    const after = (await (await api(`/v1/links/${link.id}`, { headers: t.auth })).json()) as { url: string };
    expect(after.url).toBe("https://example.com/patch-me");
  });
});

describe("the deployment's own hosts under other names", () => {
  it.each(["https://lf-alias.test/x", "https://LF-ALIAS.TEST./x", "https://linkflow-api.acme.workers.dev/abc", "http://lf.test:9999/loop"])(
    "refuses %s (a configured name of the deployment) on create",
    async (url) => {
      const res = await api("/v1/links", json({ url }, (await team()).auth));
      expect(res.status).toBe(400);
      expect((await errorOf(res)).issues?.[0]).toEqual({ path: "url", message: "must not point back at the short domain" });
    },
  );

  it("refuses them on PATCH and leaves the link as it was", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/stays" });
    for (const url of ["https://lf-alias.test/y", "https://linkflow-api.acme.workers.dev/"]) {
      const res = await api(`/v1/links/${link.id}`, { ...json({ url }, t.auth), method: "PATCH" });
      expect(res.status).toBe(400);
    }
    const after = (await (await api(`/v1/links/${link.id}`, { headers: t.auth })).json()) as { url: string; updatedAt: string };
    expect(after).toMatchObject({ url: "https://example.com/stays", updatedAt: link.updatedAt });
  });

  it("treats every loopback name as the same host when the deployment runs on one", async () => {
    const t = await team();
    const loopbacks = [
      "http://127.0.0.1:8787/x",
      "http://127.1/x",
      "http://0x7f.0.0.1/x",
      "http://2130706433/x",
      "http://[::1]:8787/x",
      "http://[0:0:0:0:0:0:0:1]/x",
      "http://app.localhost/x",
      "http://LOCALHOST./x",
      "http://0.0.0.0/x",
      "http://[::ffff:127.0.0.1]/x",
    ];
    for (const url of loopbacks) {
      const res = await apiAt("http://localhost:8787", "/v1/links", json({ url }, t.auth));
      expect(res.status, url).toBe(400);
    }
    // The same destinations are someone else's machine when the deployment is not on loopback.
    const elsewhere = await api("/v1/links", json({ url: "http://127.0.0.1:8787/x" }, t.auth));
    expect(elsewhere.status).toBe(201);
  });

  it("resolves hosts before comparing (the parser's view, not the raw text)", () => {
    const own = ownHostSet(["lf.test", "localhost:8787"]);
    for (const raw of ["https://lf.test/a", "https://LF.test./a", "http://%6cf.test/a", "http://127.0.0.1/", "http://[::1]/"]) {
      expect(checkDestination(raw, own), raw).toEqual({ ok: false, problem: "must not point back at the short domain" });
    }
    expect(checkDestination("https://lf.test.example/a", own).ok).toBe(true);
  });
});

describe("normalised destinations", () => {
  it("stores and serves new URL(raw).href", async () => {
    const t = await team();
    const cases: [string, string][] = [
      ["HTTPS://Example.COM", "https://example.com/"],
      ["https://example.com:443/a/../b", "https://example.com/b"],
      ["https://bücher.example/straße?q=ü#frag", "https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%BC#frag"],
    ];
    for (const [raw, href] of cases) {
      const link = await createLink(t, { url: raw });
      expect(link.url).toBe(href);
      const row = await env.LINKS_DB.prepare("SELECT url FROM links WHERE id = ?").bind(link.id).first<{ url: string }>();
      expect(row?.url).toBe(href);
    }
  });

  it("answers the same ASCII Location on the routed path and the fast path", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/ünï?x=é" });
    const first = await api(`/${link.slug}?q=ö`); // not cached yet: the router answers
    const second = await api(`/${link.slug}?q=ö`); // cached by the first: the fast path answers
    expect(first.status).toBe(302);
    expect(second.status).toBe(302);
    expect(first.headers.get("location")).toBe("https://example.com/%C3%BCn%C3%AF?x=%C3%A9&q=%C3%B6");
    expect(second.headers.get("location")).toBe(first.headers.get("location"));
    expect(second.headers.get("cache-control")).toBe(first.headers.get("cache-control"));
  });

  it("encodes a link stored before normalisation the same way on both paths", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/plain" });
    const slug = unique("legacy");
    // A row written by older code, with the raw non-ASCII destination it accepted then.
    await env.LINKS_DB.prepare("UPDATE links SET url = ?, slug = ? WHERE id = ?").bind("https://example.com/café?q=naïve", slug, link.id).run();
    const routed = await api(`/${slug}`);
    const fast = await api(`/${slug}`);
    expect(routed.headers.get("location")).toBe("https://example.com/caf%C3%A9?q=na%C3%AFve");
    expect(fast.headers.get("location")).toBe(routed.headers.get("location"));
  });
});
