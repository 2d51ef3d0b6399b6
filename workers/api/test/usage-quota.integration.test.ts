import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Usage } from "../../consumers/billing/src/usage";
import { ADMIN, api, createLink, createTeam, expectError, json, tableCounts, waitForEvents, waitForOutboxQuiet } from "./helpers";
import { fetchWithEnv, forward, seedLinks, unreachableService, waitForJson } from "./consumers-helpers";

interface UsageBody {
  plan: string;
  period: string;
  linksCreated: number;
  linkLimit: number;
}

const thisMonth = () => new Date().toISOString().slice(0, 7);
const lastMonth = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15)).toISOString();
};

/**
 * An instant this UTC month but before the last minute, so seeded links meet the monthly quota
 * and not the links-a-minute cap. In a month's first 90 s there is none yet: it waits for one.
 */
async function earlierThisMonth(): Promise<string> {
  const now = new Date();
  const sinceMonthStart = now.getTime() - Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  if (sinceMonthStart < 90_000) await new Promise((resolve) => setTimeout(resolve, 90_000 - sinceMonthStart));
  return new Date(Date.now() - 70_000).toISOString();
}

describe("GET /v1/usage", () => {
  it("answers the team's plan and billing's count of its links this month, once billing has the events", async () => {
    const team = await createTeam("Usage", "pro");
    const links = [await createLink(team, { url: "https://example.com/u1" }), await createLink(team, { url: "https://example.com/u2" })];
    const created = await waitForEvents((e) => e.type === "LinkCreated" && links.some((l) => l.id === e.subject), 2);
    // Twice: a redelivery is not a second link.
    await forward(env.TEST_BILLING_EVENTS, [...created, ...created]);

    const usage = await waitForJson<UsageBody>("/v1/usage", team.auth, (u) => u.linksCreated === 2);
    expect(usage).toEqual({ plan: "pro", period: thisMonth(), linksCreated: 2, linkLimit: 100_000 });
    expect(await (await api("/v1/usage?period=2020-01", { headers: team.auth })).json()).toEqual({
      plan: "pro",
      period: "2020-01",
      linksCreated: 0,
      linkLimit: 100_000,
    });
    await expectError(await api("/v1/usage?period=2026-13", { headers: team.auth }), 400, "invalid_request");
    await expectError(await api("/v1/usage"), 401, "unauthorized");

    const other = await createTeam("Other");
    expect(await (await api("/v1/usage", { headers: other.auth })).json()).toEqual({ plan: "free", period: thisMonth(), linksCreated: 0, linkLimit: 1000 });
  });
});

describe("the monthly link quota (402 quota_exceeded)", () => {
  it("refuses a free team at its 1,000 links with 402 and writes nothing, single or bulk", async () => {
    const team = await createTeam("Quota");
    await seedLinks(team.id, 999, await earlierThisMonth());
    expect((await api("/v1/links", json({ url: "https://example.com/1000th" }, team.auth))).status).toBe(201);

    await waitForOutboxQuiet();
    const before = await tableCounts();
    const single = await expectError(await api("/v1/links", json({ url: "https://example.com/1001st" }, team.auth)), 402, "quota_exceeded");
    expect(single.message).toMatch(/free plan allows 1000 new links a month/);
    await expectError(await api("/v1/links", json({ url: "https://example.com/x", slug: "quota-custom-slug" }, team.auth)), 402, "quota_exceeded");
    await expectError(
      await api("/v1/links/bulk", json({ links: [{ url: "https://example.com/b1" }, { url: "https://example.com/b2" }] }, team.auth)),
      402,
      "quota_exceeded",
    );
    expect(await tableCounts()).toEqual(before);
    // The slug of the refused link is still free.
    const other = await createTeam("Roomy");
    expect((await api("/v1/links", json({ url: "https://example.com/x", slug: "quota-custom-slug" }, other.auth))).status).toBe(201);
  }, 120_000);

  it("fills what is left in a bulk, in order, and refuses the rest item by item", async () => {
    const team = await createTeam("Bulk quota");
    await seedLinks(team.id, 998, await earlierThisMonth());
    const res = await api(
      "/v1/links/bulk",
      json({ links: [{ url: "https://example.com/a" }, { url: "notaurl" }, { url: "https://example.com/b" }, { url: "https://example.com/c" }] }, team.auth),
    );
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: { ok: boolean; error?: { code: string } }[] };
    expect(results.map((r) => (r.ok ? "ok" : r.error?.code))).toEqual(["ok", "invalid_request", "ok", "quota_exceeded"]);
    const rows = await env.LINKS_DB.prepare("SELECT count(*) AS n FROM events WHERE team_id = ? AND type = 'LinkCreated'").bind(team.id).first<{ n: number }>();
    expect(rows?.n).toBe(2);
  }, 120_000);

  it("counts links created this UTC month, deleted ones too, and not last month's; pro allows 100,000", async () => {
    const team = await createTeam("Months");
    await seedLinks(team.id, 1000, lastMonth());
    expect((await api("/v1/links", json({ url: "https://example.com/new-month" }, team.auth))).status).toBe(201);

    const deleter = await createTeam("Deleter");
    await seedLinks(deleter.id, 1000, new Date().toISOString(), new Date().toISOString());
    await expectError(await api("/v1/links", json({ url: "https://example.com/still-counted" }, deleter.auth)), 402, "quota_exceeded");

    const pro = await createTeam("Pro", "pro");
    await seedLinks(pro.id, 1000, new Date().toISOString());
    expect((await api("/v1/links", json({ url: "https://example.com/pro" }, pro.auth))).status).toBe(201);
  });

  it("creates links while the billing Worker is unreachable: creation never calls it", async () => {
    const team = await createTeam("Billing down");
    const BILLING = unreachableService<Service<Usage>>("billing");
    const single = await fetchWithEnv({ BILLING }, "/v1/links", json({ url: "https://example.com/while-down" }, team.auth));
    expect(single.status).toBe(201);
    const bulk = await fetchWithEnv({ BILLING }, "/v1/links/bulk", json({ links: [{ url: "https://example.com/bulk-while-down" }] }, team.auth));
    expect(bulk.status).toBe(200);
    expect(((await bulk.json()) as { results: { ok: boolean }[] }).results).toEqual([expect.objectContaining({ ok: true })]);
  });

  it("does not create a team billing could not record: 500 and nothing written", async () => {
    const before = await tableCounts();
    const res = await fetchWithEnv({ BILLING: unreachableService<Service<Usage>>("billing") }, "/v1/admin/teams", json({ name: "Orphan", plan: "pro" }, ADMIN));
    await expectError(res, 500, "internal");
    expect(await tableCounts()).toEqual(before);
  });
});

describe("OpenAPI", () => {
  it("documents stats, usage and the 402 of link creation", async () => {
    const doc = (await (await api("/openapi.json")).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    for (const path of ["/v1/links/{id}/stats", "/v1/stats", "/v1/usage"]) expect(doc.paths[path]?.["get"]?.responses).toHaveProperty("200");
    expect(doc.paths["/v1/links"]?.["post"]?.responses).toHaveProperty("402");
    expect(doc.paths["/v1/links/bulk"]?.["post"]?.responses).toHaveProperty("402");
  });
});
