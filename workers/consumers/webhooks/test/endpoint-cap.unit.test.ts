import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { teamId, webhooks } from "./helpers";

const create = (team: string, i: number, maxEndpoints: number) =>
  webhooks.create({ teamId: team, url: `https://hooks.example.com/ok/cap-${i}`, events: ["link.created"], maxEndpoints });

async function endpointCount(team: string): Promise<number> {
  const row = await env.WEBHOOKS_DB.prepare("SELECT count(*) AS n FROM webhook_endpoints WHERE team_id = ?").bind(team).first<{ n: number }>();
  return row?.n ?? -1;
}

describe("endpoints per team", () => {
  it("refuses an endpoint over the cap the api passes with quota_exceeded naming the cap, and stores nothing", async () => {
    const team = teamId();
    for (let i = 0; i < 3; i++) expect((await create(team, i, 3)).ok).toBe(true);
    const over = await create(team, 3, 3);
    expect(over).toMatchObject({ ok: false, error: { code: "quota_exceeded" } });
    expect(!over.ok && over.error.message).toContain("allows 3 webhook endpoints");
    expect(await endpointCount(team)).toBe(3);
    // Another team has its own allowance; a removed endpoint frees a place.
    expect((await create(teamId(), 0, 3)).ok).toBe(true);
    const list = await webhooks.list({ teamId: team });
    const first = list.ok ? list.value.data[0]?.id : undefined;
    expect((await webhooks.remove({ teamId: team, endpointId: first ?? "" })).ok).toBe(true);
    expect((await create(team, 4, 3)).ok).toBe(true);
  });

  it("lets only one of many concurrent creates take the last place", async () => {
    const team = teamId();
    for (let i = 0; i < 4; i++) expect((await create(team, i, 5)).ok).toBe(true);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => create(team, 10 + i, 5)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.error.code === "quota_exceeded")).toHaveLength(5);
    expect(await endpointCount(team)).toBe(5);
  });

  it.each([undefined, 0, 1.5, "10"])("refuses a create whose cap is %j (the api always sends one)", async (maxEndpoints) => {
    const team = teamId();
    const result = await webhooks.create({ teamId: team, url: "https://hooks.example.com/ok/no-cap", events: ["link.created"], maxEndpoints });
    expect(result).toMatchObject({ ok: false, error: { code: "invalid_request", issues: [{ path: "maxEndpoints" }] } });
    expect(await endpointCount(team)).toBe(0);
  });
});
