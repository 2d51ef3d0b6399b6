// Targeting rules, QR scans and link-preview crawlers through the real redirect (README "Link
// controls"): the api Worker's fetch with the test env's D1, KV, queues and the real preview
// Worker. Each answer is checked on the routed path (a cold isolate cache) and then on the fast
// path (the link now cached) for the same request: both must answer alike.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import { fastRedirect } from "../src/redirect/fast-redirect";
import { redirectCache } from "../src/redirect/redirect-cache";
import { BROWSER_AGENTS, PREVIEW_CRAWLER_AGENTS } from "../../../test/support/user-agents";
import { linkEvents, project } from "./read-model-support";
import { BASE, api, createLink, createTeam, eventRowsFor, json, waitForBotCounts, waitForClicks, type LinkBody, type TestTeam } from "./helpers";

const IPHONE = BROWSER_AGENTS[0].ua;
const ANDROID_TABLET = BROWSER_AGENTS[3].ua;
const WINDOWS = BROWSER_AGENTS[4].ua;
const TWITTERBOT = PREVIEW_CRAWLER_AGENTS[0][1];
const SLACKBOT = PREVIEW_CRAWLER_AGENTS[4][1];

// One env object each (config is parsed once per env object): production's, and the local stack's.
const production = { ...env, CLICK_BATCH_WINDOW_MS: "20" };
const localStack = { ...env, CLICK_BATCH_WINDOW_MS: "20", TRUST_COUNTRY_HEADER: "true" };

interface Visit {
  headers?: Record<string, string>;
  cf?: Record<string, unknown>;
  method?: string;
}

function requestOf(path: string, visit: Visit): Request {
  return new Request(`${BASE}${path}`, { redirect: "manual", headers: visit.headers, method: visit.method, cf: visit.cf } as RequestInit);
}

async function routed(path: string, visit: Visit = {}, workerEnv: ApiEnv = production): Promise<Response> {
  redirectCache.reset();
  const ctx = createExecutionContext();
  const res = await worker.fetch(requestOf(path, visit), workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** The fast path's answer for the same request, the link now in the isolate's cache (null: it passed it on). */
async function fast(path: string, visit: Visit = {}, workerEnv: ApiEnv = production): Promise<Response | null> {
  const ctx = createExecutionContext();
  const res = fastRedirect(requestOf(path, visit), workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** The Location both paths answer with (each a 302), asserted equal. */
async function locationOf(path: string, visit: Visit = {}, workerEnv: ApiEnv = production): Promise<string | null> {
  const viaRouter = await routed(path, visit, workerEnv);
  expect(viaRouter.status, `${path} routed`).toBe(302);
  const viaFastPath = await fast(path, visit, workerEnv);
  expect(viaFastPath?.status, `${path} on the fast path`).toBe(302);
  expect(viaFastPath?.headers.get("location")).toBe(viaRouter.headers.get("location"));
  expect(viaFastPath?.headers.get("cache-control")).toBe(viaRouter.headers.get("cache-control"));
  return viaRouter.headers.get("location");
}

let shared: TestTeam | undefined;
async function team(): Promise<TestTeam> {
  shared ??= await createTeam("Targeting", "pro");
  return shared;
}

beforeEach(() => redirectCache.reset());

describe("targeting rules on the redirect", () => {
  const rules = [
    { when: { country: ["DE", "AT"] }, url: "https://example.de/" },
    { when: { os: ["ios"] }, url: "https://apps.apple.com/app/id123" },
    { when: { device: ["tablet"] }, url: "https://example.com/tablet?layout=wide" },
    { when: { language: ["fr"], os: ["windows"] }, url: "https://example.fr/windows" },
  ];

  it("send each request to the first rule it matches, else to the link's url, on both paths", async () => {
    const link = await createLink(await team(), { url: "https://example.com/home", rules });
    expect(await locationOf(`/${link.slug}`, { cf: { country: "AT" }, headers: { "user-agent": IPHONE } })).toBe("https://example.de/");
    expect(await locationOf(`/${link.slug}`, { cf: { country: "US" }, headers: { "user-agent": IPHONE } })).toBe("https://apps.apple.com/app/id123");
    expect(await locationOf(`/${link.slug}`, { headers: { "user-agent": ANDROID_TABLET } })).toBe("https://example.com/tablet?layout=wide");
    expect(await locationOf(`/${link.slug}`, { headers: { "user-agent": WINDOWS, "accept-language": "fr-CA,fr;q=0.9,en;q=0.5" } })).toBe(
      "https://example.fr/windows",
    );
    // Conditions AND: French on a Mac, or Windows in English, is no rule's.
    expect(await locationOf(`/${link.slug}`, { headers: { "user-agent": BROWSER_AGENTS[6].ua, "accept-language": "fr" } })).toBe("https://example.com/home");
    expect(await locationOf(`/${link.slug}`, { headers: { "user-agent": WINDOWS, "accept-language": "en, fr;q=0.9" } })).toBe("https://example.com/home");
    expect(await locationOf(`/${link.slug}`)).toBe("https://example.com/home");
  });

  it("add the link's UTM fields to a rule's url and pass the request's query on", async () => {
    const link = await createLink(await team(), { url: "https://example.com/home", rules, utm: { source: "print", campaign: "spring" } });
    expect(await locationOf(`/${link.slug}?ref=poster&x=%20`, { headers: { "user-agent": ANDROID_TABLET } })).toBe(
      "https://example.com/tablet?layout=wide&utm_source=print&utm_campaign=spring&ref=poster&x=%20",
    );
    expect(await locationOf(`/${link.slug}?ref=poster`)).toBe("https://example.com/home?utm_source=print&utm_campaign=spring&ref=poster");
  });

  it("read the cf-ipcountry header only on the local stack (TRUST_COUNTRY_HEADER), never in production", async () => {
    const link = await createLink(await team(), { url: "https://example.com/home", rules });
    const spoofed = { headers: { "cf-ipcountry": "DE" }, cf: { country: "US" } };
    expect(await locationOf(`/${link.slug}`, spoofed)).toBe("https://example.com/home");
    expect(await locationOf(`/${link.slug}`, spoofed, localStack)).toBe("https://example.de/");
    expect(await locationOf(`/${link.slug}`, { headers: { "cf-ipcountry": "DE" } }, localStack)).toBe("https://example.de/");
  });

  it("follow the link's rules as changed by PATCH, and stop when they are removed", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/home", rules });
    const patch = (body: unknown) => api(`/v1/links/${link.id}`, { ...json(body, t.auth), method: "PATCH" });
    expect((await patch({ rules: [{ when: { country: ["US"] }, url: "https://example.com/us" }] })).status).toBe(200);
    expect(await locationOf(`/${link.slug}`, { cf: { country: "US" } })).toBe("https://example.com/us");
    expect((await patch({ rules: null })).status).toBe(200);
    expect(await locationOf(`/${link.slug}`, { cf: { country: "US" } })).toBe("https://example.com/home");
  });
});

describe("QR scans on the redirect", () => {
  it("strip the marker from what the destination gets, on both paths, with or without other parameters", async () => {
    const link = await createLink(await team(), {
      url: "https://example.com/menu?table=4",
      rules: [{ when: { os: ["ios"] }, url: "https://apps.apple.com/app/id9" }],
    });
    expect(await locationOf(`/${link.slug}?qr=1`)).toBe("https://example.com/menu?table=4");
    expect(await locationOf(`/${link.slug}?qr=1&ref=flyer`)).toBe("https://example.com/menu?table=4&ref=flyer");
    expect(await locationOf(`/${link.slug}?qr=1`, { headers: { "user-agent": IPHONE } })).toBe("https://apps.apple.com/app/id9");
    // Only the exact marker is taken out: another value of `qr` is the visitor's own parameter.
    expect(await locationOf(`/${link.slug}?qr=2`)).toBe("https://example.com/menu?table=4&qr=2");
  });

  it("never turn a valid request into a 404: HEAD, a link not cached yet, a deleted link's 410", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/scan" });
    const res = await api(`/${link.slug}?qr=1`, { method: "HEAD" });
    expect([res.status, res.headers.get("location")]).toEqual([302, "https://example.com/scan"]);
    expect((await api(`/${link.slug}?qr=1`)).headers.get("location")).toBe("https://example.com/scan");
    expect((await api(`/v1/links/${link.id}`, { method: "DELETE", headers: t.auth })).status).toBe(204);
    expect((await routed(`/${link.slug}?qr=1`)).status).toBe(410);
  });
});

/** Hands the link's LinkCreated from the outbox to the real preview Worker and waits until it has stored the page's metadata. */
async function previewStored(t: TestTeam, link: LinkBody): Promise<void> {
  for (const row of (await eventRowsFor(link.id)).filter((r) => r.type === "LinkCreated")) await env.TEST_PREVIEW_EVENTS.send(JSON.parse(row.envelope));
  await vi.waitUntil(
    async () => {
      const res = await api(`/v1/links/${link.id}/preview`, { headers: t.auth });
      await res.arrayBuffer();
      return res.status === 200;
    },
    { timeout: 5_000, interval: 25 },
  );
}

describe("link-preview crawlers", () => {
  const hostile = '"><script>alert(1)</script>';

  it("get 200 HTML with the link's own og, every value escaped, privately cached; never on the fast path", async () => {
    const link = await createLink(await team(), {
      url: "https://example.com/launch",
      og: { title: `Launch ${hostile}`, description: `Big ${hostile} day`, image: "https://img.example/card.png" },
    });
    const res = await routed(`/${link.slug}?qr=1`, { headers: { "user-agent": TWITTERBOT } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    expect(res.headers.get("cache-control")).toBe("private, max-age=0");
    expect(res.headers.get("traceparent")).toMatch(/^00-[0-9a-f]{32}-/);
    const html = await res.text();
    expect(html).not.toContain("<script>");
    expect(html).toContain('<meta property="og:title" content="Launch &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">');
    expect(html).toContain('<meta name="twitter:description" content="Big &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; day">');
    expect(html).toContain('<meta property="og:image" content="https://img.example/card.png">');
    expect(html).toContain(`<meta property="og:url" content="${BASE}/${link.slug}">`);
    expect(html).toContain('<meta http-equiv="refresh" content="0; url=https://example.com/launch">');
    // The link is cached now; the fast path still leaves crawlers to the router.
    expect(await fast(`/${link.slug}`, { headers: { "user-agent": TWITTERBOT } })).toBeNull();
  });

  it("get the destination's metadata the preview Worker stored when the link has no og (the link's og fields win)", async () => {
    const t = await team();
    const plain = await createLink(t, { url: "https://example.com/article" });
    const titled = await createLink(t, { url: "https://example.com/titled", og: { title: "Our title" } });
    await previewStored(t, plain);
    await previewStored(t, titled);
    const html = await (await routed(`/${plain.slug}`, { headers: { "user-agent": SLACKBOT } })).text();
    expect(html).toContain('<meta property="og:title" content="Page at /article">');
    expect(html).toContain('<meta property="og:image" content="https://example.com/card.png">');
    const mixed = await (await routed(`/${titled.slug}`, { headers: { "user-agent": SLACKBOT } })).text();
    expect(mixed).toContain('<meta property="og:title" content="Our title">');
    expect(mixed).toContain('<meta property="og:image" content="https://example.com/card.png">');
  });

  it("get the normal 302 when there is nothing to show; browsers always get the 302", async () => {
    const t = await team();
    const bare = await createLink(t, { url: "https://example.com/bare" });
    const crawled = await routed(`/${bare.slug}?qr=1`, { headers: { "user-agent": TWITTERBOT } });
    expect([crawled.status, crawled.headers.get("location")]).toEqual([302, "https://example.com/bare"]);
    const withOg = await createLink(t, { url: "https://example.com/og", og: { title: "Card" } });
    expect(await locationOf(`/${withOg.slug}`, { headers: { "user-agent": IPHONE } })).toBe("https://example.com/og");
  });

  it("are counted as bots, for the page and for the 302", async () => {
    const t = await team();
    const link = await createLink(t, { url: "https://example.com/counted", og: { title: "Counted" } });
    const bare = await createLink(t, { url: "https://example.com/counted-bare" });
    for (const [, ua] of PREVIEW_CRAWLER_AGENTS.slice(0, 3)) {
      expect((await routed(`/${link.slug}`, { headers: { "user-agent": ua } })).status).toBe(200);
      expect((await routed(`/${bare.slug}`, { headers: { "user-agent": ua } })).status).toBe(302);
    }
    expect(await waitForBotCounts(link.id, { bots: 3, heads: 0 })).toEqual({ bots: 3, heads: 0 });
    expect(await waitForBotCounts(bare.id, { bots: 3, heads: 0 })).toEqual({ bots: 3, heads: 0 });
  });

  it("never see a password-protected link's og or destination", async () => {
    const link = await createLink(await team(), { url: "https://example.com/secret-place", password: "open sesame", og: { title: "Secret card" } });
    // From the read model, which says the link has a password (the password form is the routed path's own concern).
    await project(await linkEvents(link.id));
    const res = await routed(`/${link.slug}`, { headers: { "user-agent": TWITTERBOT } });
    expect(await res.text()).not.toContain("Secret card");
  });
});

describe("the click a targeted or scanned redirect records", () => {
  it("says which rule matched and whether the code was scanned; locally its country is the header's, as the rule's", async () => {
    const link = await createLink(await team(), {
      url: "https://example.com/home",
      rules: [
        { when: { country: ["FR"] }, url: "https://example.fr/" },
        { when: { os: ["ios"] }, url: "https://apps.apple.com/app/id123" },
      ],
    });
    expect((await routed(`/${link.slug}?qr=1`, { headers: { "user-agent": IPHONE } })).headers.get("location")).toBe("https://apps.apple.com/app/id123");
    expect((await routed(`/${link.slug}`, { headers: { "cf-ipcountry": "FR" } }, localStack)).headers.get("location")).toBe("https://example.fr/");
    expect((await routed(`/${link.slug}`)).headers.get("location")).toBe("https://example.com/home");
    const clicks = await waitForClicks((c) => c.linkId === link.id, 3);
    const seen = clicks.map((c) => ({ trigger: c.trigger, rule: c.rule, country: c.country })).sort((a, b) => (a.rule ?? -1) - (b.rule ?? -1));
    expect(seen).toEqual([
      { trigger: "link", rule: null, country: null },
      { trigger: "link", rule: 0, country: "FR" },
      { trigger: "qr", rule: 1, country: null },
    ]);
  });
});
