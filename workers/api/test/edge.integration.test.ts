import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { Maintenance } from "../src/cron";
import edge, { isRedirectRequest } from "../src/edge";
import { ADMIN, BASE, api, createLink, createTeam, expectError, waitForClicks } from "./helpers";

// The edge Worker (workers/api/src/edge.ts) on the api's test env: the real links DB, click topic
// and spool, and a stand-in api behind API (the real one is the e2e project's). Its env has none
// of the api's other bindings and no ADMIN_TOKEN or FEED_TOKEN_SECRET.
function edgeEnv(cron: (input: unknown) => unknown = () => ({ ok: true, value: {} })) {
  const forwarded: Request[] = [];
  const cronCalls: unknown[] = [];
  const edgeEnv = {
    LINKS_DB: env.LINKS_DB,
    REDIRECTS: env.REDIRECTS,
    CLICK_EVENTS: env.CLICK_EVENTS,
    CLICK_SPOOL: env.CLICK_SPOOL,
    SHORT_BASE_URL: "",
    CLICK_LOG_SAMPLE_RATE: "0",
    CLICK_BATCH_WINDOW_MS: "0",
    VISITOR_HASH_SECRET: env.VISITOR_HASH_SECRET,
    TRUST_COUNTRY_HEADER: "false",
    PREVIEW: env.PREVIEW,
    API: {
      fetch: async (request: Request) => {
        forwarded.push(request);
        return new Response("from the api", { status: 299 });
      },
    },
    API_CRON: {
      minuteCron: async (input: unknown) => {
        cronCalls.push(input);
        return cron(input);
      },
    },
  } as unknown as EdgeEnv;
  return { edgeEnv, forwarded, cronCalls };
}

async function edgeFetch(workerEnv: EdgeEnv, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await edge.fetch(new Request(`${BASE}${path}`, { redirect: "manual", ...init }), workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("the edge Worker", () => {
  it("answers a short link itself (302, Location, traceparent) and packs its click, with no api secret", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/edge" });
    const { edgeEnv: workerEnv, forwarded } = edgeEnv();
    for (const method of ["GET", "HEAD"]) {
      const res = await edgeFetch(workerEnv, `/${link.slug}?q=1`, { method });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("https://example.com/edge?q=1");
      expect(res.headers.get("traceparent")).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
    expect(forwarded).toEqual([]);
    await waitForClicks((c) => c.linkId === link.id);
  });

  it("follows targeting rules, strips the QR marker and gives link-preview crawlers the og page, without the api", async () => {
    const team = await createTeam();
    const link = await createLink(team, {
      url: "https://example.com/edge-home",
      rules: [{ when: { country: ["DE"] }, url: "https://example.de/edge" }],
      og: { title: "Edge <card>" },
    });
    const { edgeEnv: workerEnv, forwarded } = edgeEnv();
    // Twice each: the first answer is the routed one, the second the fast path's (the link cached).
    for (let i = 0; i < 2; i++) {
      const german = await edgeFetch(workerEnv, `/${link.slug}?qr=1&ref=x`, { cf: { country: "DE" } } as RequestInit);
      expect([german.status, german.headers.get("location")]).toEqual([302, "https://example.de/edge?ref=x"]);
      const spoofed = await edgeFetch(workerEnv, `/${link.slug}`, { headers: { "cf-ipcountry": "DE" } });
      expect(spoofed.headers.get("location")).toBe("https://example.com/edge-home");
      const crawler = await edgeFetch(workerEnv, `/${link.slug}`, { headers: { "user-agent": "facebookexternalhit/1.1" } });
      expect(crawler.status).toBe(200);
      expect(await crawler.text()).toContain('<meta property="og:title" content="Edge &lt;card&gt;">');
    }
    expect(forwarded).toEqual([]);
  });

  it("answers an unknown slug with the api's 404 JSON, without the api", async () => {
    const { edgeEnv: workerEnv, forwarded } = edgeEnv();
    await expectError(await edgeFetch(workerEnv, "/no-such-link"), 404, "not_found");
    expect(forwarded).toEqual([]);
  });

  it("passes every other request to the api unchanged: API paths, reserved words, assets, other methods, deeper paths", async () => {
    const { edgeEnv: workerEnv, forwarded } = edgeEnv();
    const cases: [string, RequestInit][] = [
      ["/v1/links", { method: "POST", body: "{}" }],
      ["/v1/feed?token=x", { headers: { upgrade: "websocket" } }],
      ["/healthz", {}],
      ["/docs", {}],
      ["/dashboard", {}],
      ["/openapi.json", {}],
      ["/", {}],
      ["/abc/def", {}],
      ["/abc", { method: "PUT" }],
      ["/caf%C3%A9", {}],
    ];
    for (const [path, init] of cases) {
      const res = await edgeFetch(workerEnv, path, init);
      expect(res.status, path).toBe(299);
    }
    expect(forwarded.map((r) => `${r.method} ${new URL(r.url).pathname}${new URL(r.url).search}`)).toEqual(
      cases.map(([path, init]) => `${init.method ?? "GET"} ${path}`),
    );
    expect(forwarded[1]?.headers.get("upgrade")).toBe("websocket");
  });

  it("tells redirect requests apart as the api's router would", () => {
    const is = (path: string, method = "GET") => isRedirectRequest(new Request(`${BASE}${path}`, { method }));
    // POST: a password form's post, answered by the edge too.
    expect([is("/abc"), is("/abc", "HEAD"), is("/abc", "POST"), is("/a_b-C9?x=1")]).toEqual([true, true, true, true]);
    expect([is("/abc", "PUT"), is("/v1"), is("/DOCS"), is("/abc/"), is("/"), is(`/${"a".repeat(65)}`)]).toEqual([false, false, false, false, false, false]);
  });

  it("runs the api's minute cron over API_CRON when `scheduled` fires, and fails when the api refuses", async () => {
    const ok = edgeEnv();
    await edge.scheduled(createScheduledController({ scheduledTime: 1_700_000_000_000, cron: "* * * * *" }), ok.edgeEnv);
    expect(ok.cronCalls).toEqual([1_700_000_000_000]);
    const refused = edgeEnv(() => ({ ok: false, error: { code: "invalid_request", message: "The request is not valid." } }));
    await expect(edge.scheduled(createScheduledController({ scheduledTime: 1, cron: "* * * * *" }), refused.edgeEnv)).rejects.toThrow(
      /refused its minute cron/,
    );
  });
});

describe("Maintenance.minuteCron (the api's RPC for the edge)", () => {
  it("refuses input that is not a time, and runs the minute cron (the reconciler records the run) for one that is", async () => {
    const maintenance = new Maintenance(createExecutionContext(), env);
    expect(await maintenance.minuteCron("soon")).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    const at = Date.now() + 60_000;
    expect(await maintenance.minuteCron(at)).toEqual({ ok: true, value: { scheduledTime: at } });
    const res = await api("/v1/admin/reconciliation", { headers: ADMIN });
    expect(((await res.json()) as { lastRunAt: string | null }).lastRunAt).toBe(new Date(at).toISOString());
  });
});
