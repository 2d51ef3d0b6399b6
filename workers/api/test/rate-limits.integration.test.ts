import { describe, expect, it } from "vitest";
import { ADMIN, api, bearer, createTeam, expectError, json, newClientAddress, type TestTeam } from "./helpers";

// The real Rate Limiting bindings (Miniflare's local limiter) with wrangler.toml's production
// limits: fixed windows of 60 s aligned to the clock. Every test uses keys and client addresses
// of its own, so buckets left by other tests (or files) in the same window never meet it.

const WINDOW_MS = 60_000;
const POLICY = /^"(?<name>[a-z-]+)";q=(?<q>\d+);w=(?<w>\d+)$/;
const STATE = /^"(?<name>[a-z-]+)";r=(?<r>\d+);t=(?<t>\d+)$/;

/**
 * Runs `attempt` again (with fresh keys and addresses: it makes its own) when it failed while a
 * window boundary passed, which resets the limiter's counts half-way through a burst.
 */
async function withinOneWindow(attempt: () => Promise<void>): Promise<void> {
  for (let tries = 1; ; tries++) {
    const window = Math.floor(Date.now() / WINDOW_MS);
    try {
      return await attempt();
    } catch (error) {
      if (tries >= 3 || Math.floor(Date.now() / WINDOW_MS) === window) throw error;
    }
  }
}

function rateLimitOf(res: Response) {
  const policy = POLICY.exec(res.headers.get("ratelimit-policy") ?? "")?.groups;
  const state = STATE.exec(res.headers.get("ratelimit") ?? "")?.groups;
  expect(policy, `RateLimit-Policy: ${res.headers.get("ratelimit-policy")}`).toBeDefined();
  expect(state, `RateLimit: ${res.headers.get("ratelimit")}`).toBeDefined();
  expect(state?.["name"]).toBe(policy?.["name"]);
  const t = Number(state?.["t"]);
  expect(t).toBeGreaterThanOrEqual(1);
  expect(t).toBeLessThanOrEqual(Number(policy?.["w"]));
  return { name: policy?.["name"], q: Number(policy?.["q"]), w: Number(policy?.["w"]), r: Number(state?.["r"]), t };
}

function expectRetryAfter(res: Response): number {
  const seconds = Number(res.headers.get("retry-after"));
  expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60, `Retry-After: ${res.headers.get("retry-after")}`).toBe(true);
  return seconds;
}

/** The cheapest authenticated request: a malformed link id is 404 without a query. */
const cheap = (team: TestTeam) => api("/v1/links/lnk_nope", { headers: team.auth });

async function addKey(teamId: string): Promise<{ id: string; apiKey: string }> {
  const res = await api(`/v1/admin/teams/${teamId}/keys`, json({}, ADMIN));
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; apiKey: string };
}

describe("requests per API key and plan", () => {
  it("refuses a free key's 601st request in a window with 429, Retry-After and r=0; other keys and teams go on", async () => {
    await withinOneWindow(async () => {
      const busy = await createTeam("Busy");
      const bystander = await createTeam("Bystander");
      const sameTeamKey = await addKey(busy.id);

      const first = await cheap(busy);
      await expectError(first, 404, "not_found");
      expect(rateLimitOf(first)).toMatchObject({ name: "api", q: 600, w: 60, r: 599 });
      for (let sent = 1; sent < 600; sent += 50) {
        const answers = await Promise.all(Array.from({ length: Math.min(50, 600 - sent) }, () => cheap(busy)));
        expect(answers.map((res) => res.status)).toEqual(answers.map(() => 404));
      }

      const refused = await api("/v1/links", { headers: busy.auth });
      await expectError(refused, 429, "rate_limited");
      expectRetryAfter(refused);
      expect(rateLimitOf(refused)).toMatchObject({ name: "api", q: 600, r: 0 });
      // A refused request is not served: not even a write gets through.
      await expectError(await api("/v1/links", json({ url: "https://example.com/over" }, busy.auth)), 429, "rate_limited");

      // Per key: the team's other key, and every other team, have buckets of their own.
      const other = await api("/v1/links", { headers: bearer(sameTeamKey.apiKey) });
      expect(other.status).toBe(200);
      expect(rateLimitOf(other)).toMatchObject({ q: 600, r: 599 });
      const bystanding = await api("/v1/links", { headers: bystander.auth });
      expect(bystanding.status).toBe(200);
      expect(rateLimitOf(bystanding)).toMatchObject({ q: 600, r: 599 });
    });
  }, 60_000);

  it("gives a pro key the pro plan's 3,000 a minute", async () => {
    await withinOneWindow(async () => {
      const pro = await createTeam("Pro rate", "pro");
      expect(rateLimitOf(await api("/v1/links", { headers: pro.auth }))).toMatchObject({ name: "api", q: 3000, w: 60, r: 2999 });
    });
  });

  it("states RateLimit on every answer after authentication, success or error, and counts each one", async () => {
    await withinOneWindow(async () => {
      const team = await createTeam("Headers");
      const answers = [
        await api("/v1/links", json({ url: "https://example.com/headers" }, team.auth)),
        await api("/v1/links", { headers: team.auth }),
        await api("/v1/links", json({ url: "not a url" }, team.auth)),
        await api("/v1/links/lnk_nope", { headers: team.auth }),
        await api("/v1/usage", { headers: team.auth }),
        await api("/v1/events", { headers: team.auth }),
      ];
      expect(answers.map((res) => res.status)).toEqual([201, 200, 400, 404, 200, 200]);
      expect(answers.map((res) => rateLimitOf(res).r)).toEqual([599, 598, 597, 596, 595, 594]);

      // Unauthenticated answers state no API policy.
      const anonymous = await api("/v1/links");
      await expectError(anonymous, 401, "unauthorized");
      expect(anonymous.headers.get("ratelimit-policy")).toBeNull();
      expect((await api("/healthz")).headers.get("ratelimit")).toBeNull();
    });
  });
});

describe("failed authentications per client address", () => {
  it("answers 429 instead of 401 from the 21st failure in a window, for any credential; other addresses are unaffected", async () => {
    await withinOneWindow(async () => {
      const team = await createTeam("Victim");
      const revoked = await addKey(team.id);
      expect((await api(`/v1/admin/teams/${team.id}/keys/${revoked.id}`, { method: "DELETE", headers: ADMIN })).status).toBe(204);
      const attacker = { "cf-connecting-ip": newClientAddress() };
      const badCredentials = [
        bearer(`lf_${"A".repeat(43)}`), // well-formed, unknown
        bearer("lf_short"), // malformed
        bearer(revoked.apiKey), // revoked
      ];

      for (let failure = 1; failure <= 20; failure++) {
        const admin = failure % 4 === 0; // a wrong admin token counts the same
        const res = admin
          ? await api("/v1/admin/teams", json({ name: "Nope" }, { authorization: "Bearer not-the-admin-token-at-all", ...attacker }))
          : await api("/v1/links", { headers: { ...badCredentials[failure % 3], ...attacker } });
        await expectError(res, 401, "unauthorized");
        expect(rateLimitOf(res)).toMatchObject({ name: "auth-failures", q: 20, w: 60, r: 20 - failure });
      }

      const spent = await api("/v1/links", { headers: { ...bearer(`lf_${"B".repeat(43)}`), ...attacker } });
      await expectError(spent, 429, "rate_limited");
      expectRetryAfter(spent);
      expect(rateLimitOf(spent)).toMatchObject({ name: "auth-failures", r: 0 });
      await expectError(
        await api("/v1/admin/teams", json({ name: "Nope" }, { authorization: "Bearer still-not-the-admin-token", ...attacker })),
        429,
        "rate_limited",
      );
      // No verdict leaks once spent: a valid key (or the admin token) from that address is refused too.
      await expectError(await api("/v1/links", { headers: { ...team.auth, ...attacker } }), 429, "rate_limited");
      await expectError(await api("/v1/admin/teams", json({ name: "Nope" }, { ...ADMIN, ...attacker })), 429, "rate_limited");

      // Another address: its own count, its own answers.
      const neighbour = { "cf-connecting-ip": newClientAddress() };
      await expectError(await api("/v1/links", { headers: { ...bearer(`lf_${"C".repeat(43)}`), ...neighbour } }), 401, "unauthorized");
      expect((await api("/v1/links", { headers: { ...team.auth, ...neighbour } })).status).toBe(200);
    });
  });

  it("does not count a request that sent no credential", async () => {
    await withinOneWindow(async () => {
      const address = { "cf-connecting-ip": newClientAddress() };
      for (let i = 0; i < 25; i++) await expectError(await api("/v1/links", { headers: address }), 401, "unauthorized");
      const failed = await api("/v1/links", { headers: { ...bearer(`lf_${"D".repeat(43)}`), ...address } });
      await expectError(failed, 401, "unauthorized");
      expect(rateLimitOf(failed)).toMatchObject({ name: "auth-failures", r: 19 });
    });
  });
});

describe("OpenAPI", () => {
  it("documents 429 with Retry-After and the RateLimit headers of authenticated answers", async () => {
    type Response = { headers?: Record<string, unknown> };
    const doc = (await (await api("/openapi.json")).json()) as { paths: Record<string, Record<string, { responses: Record<string, Response> }>> };
    const create = doc.paths["/v1/links"]?.["post"]?.responses;
    expect(create?.["429"]?.headers).toHaveProperty("Retry-After");
    for (const status of ["201", "400", "401", "429"])
      expect(Object.keys(create?.[status]?.headers ?? {})).toEqual(expect.arrayContaining(["RateLimit-Policy", "RateLimit"]));
    expect(Object.keys(doc.paths["/v1/usage"]?.["get"]?.responses["200"]?.headers ?? {})).toContain("RateLimit");
    // Admin calls have no per-key policy (their failed authentications still answer 429).
    const admin = doc.paths["/v1/admin/teams"]?.["post"]?.responses;
    expect(admin?.["201"]?.headers ?? {}).not.toHaveProperty("RateLimit");
    expect(admin).toHaveProperty("429");
  });
});
