// Password-protected links on the redirect (README "Link controls"): GET serves the form, POST
// checks the password against the hash on the primary, under the guesses' limit.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import edge from "../src/edge";
import { redirectCache } from "../src/redirect/redirect-cache";
import { MAX_PASSWORD_FORM_BYTES } from "../src/redirect/password-form-body";
import {
  api,
  BASE,
  botCountsOfLink,
  createLink,
  createTeam,
  expectError,
  newClientAddress,
  receivedClickBatches,
  waitForClicks,
  type TestTeam,
} from "./helpers";
import { clickRecordsOf } from "#events";

const PASSWORD = "correct horse battery";
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

let shared: TestTeam | undefined;
async function team(): Promise<TestTeam> {
  shared ??= await createTeam("Passwords");
  return shared;
}

/** A password form's post from a browser at `address` (each test its own, so guesses never mix). */
function postPassword(slug: string, password: string, address: string, query = ""): Promise<Response> {
  return api(`/${slug}${query}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": address, "user-agent": BROWSER_UA },
    body: new URLSearchParams({ password }).toString(),
  });
}

/** The headers every password page carries. */
function expectPageHeaders(res: Response): void {
  expect(res.headers.get("content-type")).toMatch(/^text\/html; charset=utf-8/i);
  expect(res.headers.get("cache-control")).toBe("no-store");
  expect(res.headers.get("x-robots-tag")).toBe("noindex");
  const policy = res.headers.get("content-security-policy") ?? "";
  expect(policy).toMatch(/^default-src 'none'; style-src 'nonce-[A-Za-z0-9+/=]+'; form-action 'self' https: http:; frame-ancestors 'none'; base-uri 'none'$/);
  expect(policy).not.toMatch(/unsafe-inline|script-src/);
}

/** Every human click of the link recorded so far, after a later click of `barrier` has arrived (clicks of one isolate arrive in order). */
async function humanClicksOf(linkId: string, barrier: { slug: string; id: string }): Promise<number> {
  expect((await api(`/${barrier.slug}`, { headers: { "user-agent": BROWSER_UA } })).status).toBe(302);
  await waitForClicks((c) => c.linkId === barrier.id);
  return (await receivedClickBatches()).flatMap(clickRecordsOf).filter((c) => c.linkId === linkId).length;
}

describe("GET /:slug of a password-protected link", () => {
  it("serves an accessible form (label, password field, button, heading, lang), never indexed or cached, and counts no click", async () => {
    const link = await createLink(await team(), { url: "https://example.com/secret", password: PASSWORD });
    const res = await api(`/${link.slug}`, { headers: { "user-agent": BROWSER_UA } });
    expect(res.status).toBe(200);
    expectPageHeaders(res);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).toContain('<meta name="robots" content="noindex">');
    expect(html).toMatch(/<h1>[^<]+<\/h1>/);
    expect(html).toContain('<form method="post">');
    expect(html).toContain(`<label for="password">Password for /${link.slug}</label>`);
    expect(html).toMatch(/<input id="password" name="password" type="password" autocomplete="current-password" required [^>]*>/);
    expect(html).toMatch(/<button type="submit">[^<]+<\/button>/);
    expect(html).not.toMatch(/<script|role="alert"|example\.com/);
    expect(html).not.toMatch(/<input [^>]*aria-invalid/);
    // The style runs by the page's nonce, a fresh one each time.
    const nonce = /'nonce-([^']+)'/.exec(res.headers.get("content-security-policy") ?? "")?.[1];
    expect(html).toContain(`<style nonce="${nonce}">`);
    const again = await api(`/${link.slug}`);
    expect(again.headers.get("content-security-policy")).not.toBe(res.headers.get("content-security-policy"));

    const head = await api(`/${link.slug}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expectPageHeaders(head);
    expect(await head.text()).toBe("");

    // The first click of the link is the right password's; the form views before it counted nothing.
    expect((await postPassword(link.slug, PASSWORD, newClientAddress())).status).toBe(302);
    const barrier = await createLink(await team(), { url: "https://example.com/barrier" });
    expect(await humanClicksOf(link.id, barrier)).toBe(1);
    expect(await botCountsOfLink(link.id)).toEqual({ bots: 0, heads: 0 });
  });

  it("answers an expired protected link as every expired link (410, or its expiredUrl), without the form", async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const { slug } = await createLink(await team(), { url: "https://example.com/old", password: PASSWORD });
    const expired = await createLink(await team(), { url: "https://example.com/old", password: PASSWORD, expiredUrl: "https://example.com/over" });
    // Expired since (the API refuses a past expiresAt): the isolate forgets what it read, as it does within 10 s.
    await env.LINKS_DB.prepare("UPDATE links SET expires_at = ? WHERE slug IN (?, ?)").bind(past, slug, expired.slug).run();
    redirectCache.reset();
    await expectError(await api(`/${slug}`), 410, "gone");
    await expectError(await postPassword(slug, PASSWORD, newClientAddress()), 410, "gone");
    const res = await postPassword(expired.slug, PASSWORD, newClientAddress());
    expect([res.status, res.headers.get("location")]).toEqual([302, "https://example.com/over"]);
  });
});

describe("POST /:slug", () => {
  it("answers a wrong password with 401 and the form again, its error announced and tied to the field", async () => {
    const link = await createLink(await team(), { url: "https://example.com/secret", password: PASSWORD });
    for (const wrong of ["correct horse battery!", "nope", "x".repeat(129)]) {
      const res = await postPassword(link.slug, wrong, newClientAddress());
      expect(res.status, wrong).toBe(401);
      expectPageHeaders(res);
      const html = await res.text();
      expect(html).toMatch(/<input [^>]*aria-invalid="true" aria-describedby="password-error">/);
      expect(html).toMatch(/<p class="error" id="password-error" role="alert">That password is not right\. Try again\.<\/p>/);
      expect(html).not.toContain("example.com");
    }
  });

  it("redirects the right password to the destination with its utm fields and the query, and counts the click", async () => {
    const link = await createLink(await team(), { url: "https://example.com/secret?a=1", password: PASSWORD, utm: { source: "mail" } });
    const res = await postPassword(link.slug, PASSWORD, newClientAddress(), "?ref=qr");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://example.com/secret?a=1&utm_source=mail&ref=qr");
    expect(res.headers.get("cache-control")).toBe("private, max-age=0");
    const [click] = await waitForClicks((c) => c.linkId === link.id);
    expect(click).toMatchObject({ linkId: link.id, slug: link.slug, userAgent: BROWSER_UA });
  });

  it("limits guesses per client network and link: past 30 a minute 429 with Retry-After, even for the right password", async () => {
    const link = await createLink(await team(), { url: "https://example.com/secret", password: PASSWORD });
    const other = await createLink(await team(), { url: "https://example.com/other", password: PASSWORD });
    const address = newClientAddress();
    // Guesses too short to be a password: counted, never hashed, so the budget is spent fast.
    for (let i = 0; i < 30; i++) expect((await postPassword(link.slug, "no", address)).status).toBe(401);
    const limited = await postPassword(link.slug, PASSWORD, address);
    expect(limited.status).toBe(429);
    expectPageHeaders(limited);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.text()).toContain(`role="alert">Too many tries. Wait ${retryAfter} seconds, then try again.</p>`);
    // Another address of the same IPv6 /64 shares the budget; another network, or another link from this one, has its own.
    const sameNetwork = `${address.split(":").slice(0, 4).join(":")}:ffff:ffff:ffff:ffff`;
    expect((await postPassword(link.slug, PASSWORD, sameNetwork)).status).toBe(429);
    expect((await postPassword(link.slug, PASSWORD, newClientAddress())).status).toBe(302);
    expect((await postPassword(other.slug, PASSWORD, address)).status).toBe(302);
  });

  it("answers 405 with Allow for a link without a password, and 404 for an unknown or impossible slug", async () => {
    const open = await createLink(await team(), { url: "https://example.com/open" });
    const res = await postPassword(open.slug, PASSWORD, newClientAddress());
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    expect((await expectError(res, 405, "method_not_allowed")).message).toBe("This link has no password: open it with GET.");
    for (const slug of ["no-such-link", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "a%22b", "..%2F..%2Fetc", "x".repeat(65), "caf%C3%A9", "%00"]) {
      await expectError(await postPassword(slug, PASSWORD, newClientAddress()), 404, "not_found");
      await expectError(await api(`/${slug}`), 404, "not_found");
    }
  });

  it("refuses a body that is not one password field (415, 413, 400 naming `password`), changing nothing", async () => {
    const link = await createLink(await team(), { url: "https://example.com/secret", password: PASSWORD });
    const post = (headers: Record<string, string>, body: string) =>
      api(`/${link.slug}`, { method: "POST", headers: { "cf-connecting-ip": newClientAddress(), ...headers }, body });
    const form = { "content-type": "application/x-www-form-urlencoded" };
    await expectError(await post({ "content-type": "application/json" }, JSON.stringify({ password: PASSWORD })), 415, "unsupported_media_type");
    await expectError(await post(form, `password=${"a".repeat(MAX_PASSWORD_FORM_BYTES)}`), 413, "payload_too_large");
    for (const body of ["", "pass=x", "password=", `password=${PASSWORD}&password=${PASSWORD}`]) {
      const error = await expectError(await post(form, body), 400, "invalid_request");
      expect(error.issues?.map((i) => i.path)).toEqual(["password"]);
    }
    // None of them counted as a guess: a full budget remains for the right password.
    expect((await post(form, new URLSearchParams({ password: PASSWORD }).toString())).status).toBe(302);
  });

  it("takes a use of a capped protected link only on the right password; used up, the form and the post say so", async () => {
    const link = await createLink(await team(), { url: "https://example.com/once", password: PASSWORD, maxClicks: 1 });
    expect((await postPassword(link.slug, "wrong password", newClientAddress())).status).toBe(401);
    expect((await api(`/${link.slug}`)).status).toBe(200);
    expect((await postPassword(link.slug, PASSWORD, newClientAddress())).status).toBe(302);
    expect((await expectError(await postPassword(link.slug, PASSWORD, newClientAddress()), 410, "gone")).message).toBe("This link reached its click limit.");
    await expectError(await api(`/${link.slug}`), 410, "gone");
  });

  it("never writes the password to a log line", async () => {
    const link = await createLink(await team(), { url: "https://example.com/secret", password: PASSWORD });
    const lines: string[] = [];
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" "))),
    );
    try {
      await postPassword(link.slug, `${PASSWORD}?`, newClientAddress());
      await postPassword(link.slug, PASSWORD, newClientAddress());
      await waitForClicks((c) => c.linkId === link.id);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(lines.join("\n")).not.toContain(PASSWORD);
    expect(JSON.stringify(await receivedClickBatches())).not.toContain(PASSWORD);
  });
});

describe("the edge Worker", () => {
  // The edge's own bindings on the api's test env (as edge.integration.test.ts builds them), with
  // the click caps and the guesses' limit; an API binding that fails the test if a post reaches it.
  const edgeEnv = {
    LINKS_DB: env.LINKS_DB,
    REDIRECTS: env.REDIRECTS,
    CLICK_EVENTS: env.CLICK_EVENTS,
    CLICK_SPOOL: env.CLICK_SPOOL,
    LINK_CLICK_CAP: env.LINK_CLICK_CAP,
    RL_GUESSES: env.RL_GUESSES,
    SHORT_BASE_URL: "",
    CLICK_LOG_SAMPLE_RATE: "0",
    CLICK_BATCH_WINDOW_MS: "0",
    VISITOR_HASH_SECRET: env.VISITOR_HASH_SECRET,
    API: { fetch: () => Promise.resolve(new Response("reached the api", { status: 599 })) },
  } as unknown as EdgeEnv;

  async function edgePost(slug: string, password: string): Promise<Response> {
    const ctx = createExecutionContext();
    const request = new Request(`${BASE}/${slug}`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": newClientAddress(), "user-agent": BROWSER_UA },
      body: new URLSearchParams({ password }).toString(),
    });
    const res = await edge.fetch(request, edgeEnv, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  }

  it("answers the password form's post itself: 401, 302 with the click, 405 for an open link", async () => {
    const link = await createLink(await team(), { url: "https://example.com/edge-secret", password: PASSWORD, maxClicks: 1 });
    expect((await edgePost(link.slug, "not the password")).status).toBe(401);
    const res = await edgePost(link.slug, PASSWORD);
    expect([res.status, res.headers.get("location")]).toEqual([302, "https://example.com/edge-secret"]);
    await waitForClicks((c) => c.linkId === link.id);
    // The cap is the api's object: the edge's take used it up.
    await expectError(await postPassword(link.slug, PASSWORD, newClientAddress()), 410, "gone");
    const open = await createLink(await team(), { url: "https://example.com/edge-open" });
    await expectError(await edgePost(open.slug, PASSWORD), 405, "method_not_allowed");
  });
});
