import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { LinkRow } from "#db/links";
import { linkQuotaOf } from "../src/billing/quota";
import { configOf } from "../src/config";
import { linksDb } from "../src/db";
import { linkRateOf } from "../src/limits/link-rate";
import { insertLinkUnderLimits } from "../src/links/link-writes";
import { fetchWithEnv, seedLinks } from "./consumers-helpers";
import { api, createTeam, expectError, json } from "./helpers";

// The links-a-minute cap (free 120, pro 1,200) is counted on the links table inside the guarded
// insert: a sliding window of the last 60 s, exact, with no Rate Limiting binding in between.

interface BulkBody {
  results: ({ ok: true; link: { id: string } } | { ok: false; error: { code: string } })[];
}

const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
const bulkOf = (n: number, tag: string) => ({ links: Array.from({ length: n }, (_, i) => ({ url: `https://example.com/${tag}/${i}` })) });

async function createdEvents(teamId: string): Promise<number> {
  const row = await env.LINKS_DB.prepare("SELECT count(*) AS n FROM events WHERE team_id = ? AND type = 'LinkCreated'").bind(teamId).first<{ n: number }>();
  return row?.n ?? -1;
}

describe("new links per team and minute", () => {
  it("lets a free team create 120 links a minute, singles and bulks together, and refuses the rest with 429", async () => {
    const team = await createTeam("Hasty");
    const bulk = await api("/v1/links/bulk", json(bulkOf(100, "first"), team.auth));
    expect(bulk.status).toBe(200);
    const second = await api("/v1/links/bulk", json(bulkOf(30, "second"), team.auth));
    expect(second.status).toBe(200);
    const { results } = (await second.json()) as BulkBody;
    expect(results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual([...Array(20).fill("ok"), ...Array(10).fill("rate_limited")]);

    const single = await api("/v1/links", json({ url: "https://example.com/one-more" }, team.auth));
    const error = await expectError(single, 429, "rate_limited");
    expect(error.message).toMatch(/free plan allows 120 new links a minute/);
    const retryAfter = Number(single.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Both policies, as one structured-field list: the cap that refused, and the key's requests.
    expect(single.headers.get("ratelimit-policy")).toMatch(/^"links";q=120;w=60, "api";q=600;w=60$/);
    expect(single.headers.get("ratelimit")).toMatch(new RegExp(`^"links";r=0;t=${retryAfter}, "api";r=\\d+;t=\\d+$`));
    // A bulk with nothing created is refused as a whole, as a single create is.
    const refusedBulk = await api("/v1/links/bulk", json(bulkOf(2, "refused"), team.auth));
    await expectError(refusedBulk, 429, "rate_limited");
    expect(Number(refusedBulk.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

    expect(await createdEvents(team.id)).toBe(120);
    // Another team has its own minute.
    const other = await createTeam("Patient");
    expect((await api("/v1/links", json({ url: "https://example.com/other" }, other.auth))).status).toBe(201);
  });

  it("counts the last 60 s only, and Retry-After says when the oldest of them leaves the window", async () => {
    const fresh = await createTeam("Sliding");
    await seedLinks(fresh.id, 120, secondsAgo(61));
    expect((await api("/v1/links", json({ url: "https://example.com/after-a-minute" }, fresh.auth))).status).toBe(201);

    const busy = await createTeam("Half a minute ago");
    await seedLinks(busy.id, 120, secondsAgo(30));
    const refused = await api("/v1/links", json({ url: "https://example.com/too-soon", slug: "link-rate-too-soon" }, busy.auth));
    await expectError(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(29);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(31);
    // Nothing was written: the custom slug is still free.
    expect((await api("/v1/links", json({ url: "https://example.com/x", slug: "link-rate-too-soon" }, fresh.auth))).status).toBe(201);
  });

  it("gives pro teams 1,200 a minute", async () => {
    const pro = await createTeam("Pro burst", "pro");
    await seedLinks(pro.id, 1199, secondsAgo(10));
    expect((await api("/v1/links", json({ url: "https://example.com/pro-1200th" }, pro.auth))).status).toBe(201);
    await expectError(await api("/v1/links", json({ url: "https://example.com/pro-1201st" }, pro.auth)), 429, "rate_limited");
  });

  it("answers the monthly quota (402) rather than the minute's cap when both are spent", async () => {
    const team = await createTeam("Both spent");
    await seedLinks(team.id, 1000, secondsAgo(5));
    await expectError(await api("/v1/links", json({ url: "https://example.com/none-left" }, team.auth)), 402, "quota_exceeded");
  });

  it("scales the cap by LIMITS_MULTIPLIER", async () => {
    const team = await createTeam("Multiplied");
    await seedLinks(team.id, 120, secondsAgo(10));
    const create = (vars: Partial<ApiEnv>) => fetchWithEnv(vars, "/v1/links", json({ url: "https://example.com/multiplied" }, team.auth));
    await expectError(await create({}), 429, "rate_limited");
    const doubled = await create({ LIMITS_MULTIPLIER: "2" });
    expect(doubled.status).toBe(201);
    expect(doubled.headers.get("ratelimit-policy")).toBe('"api";q=1200;w=60');
  });

  it("counts with links_team_created_idx: an index range, never a scan of links", async () => {
    const createdAt = new Date().toISOString();
    const row: LinkRow = {
      id: "lnk_plan",
      slug: "plan",
      teamId: "team_plan",
      url: "https://example.com/",
      title: null,
      tags: [],
      expiresAt: null,
      createdAt,
      updatedAt: createdAt,
      deletedAt: null,
      lastEventId: "evt_plan",
      passwordHash: null,
      expiredUrl: null,
      maxClicks: null,
      rules: null,
      utm: null,
      og: null,
    };
    const query = insertLinkUnderLimits(linksDb(env.LINKS_DB), row, { quota: linkQuotaOf("free"), rate: linkRateOf("free", 1) }).toSQL();
    const { results } = await env.LINKS_DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .bind(...query.params)
      .all<{ detail: string }>();
    const onLinks = results.map((r) => r.detail).filter((detail) => / links\b/.test(detail));
    expect(onLinks.filter((detail) => detail.includes("links_team_created_idx (team_id=? AND created_at>? AND created_at<?)"))).toHaveLength(1);
    expect(onLinks.filter((detail) => detail.includes("links_team_created_idx (team_id=? AND created_at>?)"))).toHaveLength(1);
    expect(onLinks.filter((detail) => /^SCAN links\b/.test(detail))).toEqual([]);
  });
});

describe("LIMITS_MULTIPLIER", () => {
  it("defaults to 1 and refuses what is not a whole number from 1 to 999999", () => {
    // A deployment whose config lacks the var (the type says it is always there).
    expect(configOf({ ...env, LIMITS_MULTIPLIER: undefined } as unknown as ApiEnv).LIMITS_MULTIPLIER).toBe(1);
    expect(configOf({ ...env, LIMITS_MULTIPLIER: "1000" }).LIMITS_MULTIPLIER).toBe(1000);
    for (const nonsense of ["0", "-1", "1.5", "1e3", "abc", "", " 2", "1000000"]) {
      expect(() => configOf({ ...env, LIMITS_MULTIPLIER: nonsense }), nonsense).toThrow(/LIMITS_MULTIPLIER/);
    }
  });
});
