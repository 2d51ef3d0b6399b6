import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PLAN_LIMITS } from "../src/limits/plan-limits";
import { RATE_LIMIT_RULES } from "../src/limits/rate-limit";
import { api, createTeam, errorOf, json, type TestTeam } from "./helpers";

async function createEndpoint(team: TestTeam, path: string): Promise<Response> {
  return api("/v1/webhooks", json({ url: `https://hooks.example.com/${path}`, events: ["link.created"] }, team.auth));
}

async function countOf(sql: string, ...params: string[]): Promise<number> {
  return (
    (
      await env.WEBHOOKS_DB.prepare(sql)
        .bind(...params)
        .first<{ n: number }>()
    )?.n ?? -1
  );
}

/** Waits for a fresh window of the clock-aligned limiter if the current one ends within `margin` ms, so one test's calls share a window. */
async function startOfAWindow(periodSeconds: number, margin = 15_000): Promise<void> {
  const left = periodSeconds * 1000 - (Date.now() % (periodSeconds * 1000));
  if (left < margin) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

describe("/v1/webhooks limits", () => {
  it("caps endpoints per team at the plan's allowance: the next one is 402 quota_exceeded naming the cap", async () => {
    const free = await createTeam("Capped");
    const cap = PLAN_LIMITS.free.webhookEndpoints;
    for (let i = 0; i < cap; i++) expect((await createEndpoint(free, `cap/${i}`)).status).toBe(201);
    const over = await createEndpoint(free, "cap/over");
    expect(over.status).toBe(402);
    const error = await errorOf(over);
    expect(error.code).toBe("quota_exceeded");
    expect(error.message).toContain(`allows ${cap} webhook endpoints`);
    expect(await countOf("SELECT count(*) AS n FROM webhook_endpoints WHERE team_id = ?", free.id)).toBe(cap);

    // A pro team's allowance is larger.
    const pro = await createTeam("Pro", "pro");
    for (let i = 0; i <= cap; i++) expect((await createEndpoint(pro, `pro/${i}`)).status).toBe(201);
  });

  it("rate-limits test sends and redeliveries per team: the 21st in a window is 429 with Retry-After and queues nothing", { timeout: 60_000 }, async () => {
    const rule = RATE_LIMIT_RULES.RL_WEBHOOK_ACTIONS;
    const team = await createTeam("Tester");
    const { id } = (await (await createEndpoint(team, "rl/in")).json()) as { id: string };
    await startOfAWindow(rule.periodSeconds);
    const first = (await (await api(`/v1/webhooks/${id}/test`, { method: "POST", headers: team.auth })).json()) as { deliveryId: string };
    expect((await api(`/v1/webhooks/${id}/deliveries/${first.deliveryId}/redeliver`, { method: "POST", headers: team.auth })).status).toBe(202);
    for (let i = 2; i < rule.limit; i++)
      expect((await api(`/v1/webhooks/${id}/test`, { method: "POST", headers: team.auth })).status, `call ${i + 1}`).toBe(202);

    const over = await api(`/v1/webhooks/${id}/test`, { method: "POST", headers: team.auth });
    expect(over.status).toBe(429);
    expect((await errorOf(over)).code).toBe("rate_limited");
    const retryAfter = Number(over.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(rule.periodSeconds);
    expect((await api(`/v1/webhooks/${id}/deliveries/${first.deliveryId}/redeliver`, { method: "POST", headers: team.auth })).status).toBe(429);
    expect(await countOf("SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = ?", id)).toBe(rule.limit - 1);

    // Another team has its own budget.
    const other = await createTeam("Other");
    const { id: otherId } = (await (await createEndpoint(other, "rl/other")).json()) as { id: string };
    expect((await api(`/v1/webhooks/${otherId}/test`, { method: "POST", headers: other.auth })).status).toBe(202);
  });

  it("keeps a receiver's 410 opt-out unless the PATCH acknowledges it, and shows who disabled the endpoint and when", async () => {
    const team = await createTeam("Opt-out");
    const created = await createEndpoint(team, "opt/in");
    const { id } = (await created.json()) as { id: string };
    const patch = (body: unknown) => api(`/v1/webhooks/${id}`, { ...json(body, team.auth), method: "PATCH" });

    // Disabled by the team: shown as such, and enabled again as before.
    expect(await (await patch({ enabled: false })).json()).toMatchObject({
      enabled: false,
      disabledBy: "team",
      disabledAt: expect.any(String),
      disabledReason: "disabled by the team",
    });
    expect(await (await patch({ enabled: true })).json()).toMatchObject({ enabled: true, disabledBy: null, disabledAt: null, disabledReason: null });

    // Its receiver answers 410 (as the delivery consumer records it).
    const at = "2026-12-01T10:00:00.000Z";
    await env.WEBHOOKS_DB.prepare(
      "UPDATE webhook_endpoints SET enabled = 0, disabled_by = 'receiver', disabled_at = ?2, disabled_reason = 'the endpoint answered 410 Gone' WHERE id = ?1",
    )
      .bind(id, at)
      .run();
    expect(await (await api(`/v1/webhooks/${id}`, { headers: team.auth })).json()).toMatchObject({ enabled: false, disabledBy: "receiver", disabledAt: at });
    const refused = await patch({ enabled: true });
    expect(refused.status).toBe(409);
    const error = await errorOf(refused);
    expect(error.code).toBe("conflict");
    expect(error.message).toContain("receiverOptOutAcknowledged");
    expect(await (await patch({ enabled: false })).json()).toMatchObject({ enabled: false, disabledBy: "receiver", disabledAt: at });
    expect((await patch({ receiverOptOutAcknowledged: true })).status).toBe(400);
    const acknowledged = await patch({ enabled: true, receiverOptOutAcknowledged: true });
    expect(acknowledged.status).toBe(200);
    expect(await acknowledged.json()).toMatchObject({ enabled: true, disabledBy: null, disabledAt: null, disabledReason: null });
  });

  it("documents the new fields and answers in the OpenAPI document", async () => {
    const doc = (await (await api("/openapi.json")).json()) as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.components.schemas.WebhookEndpoint?.properties ?? {})).toEqual(
      expect.arrayContaining(["disabledReason", "disabledAt", "disabledBy"]),
    );
    expect(Object.keys(doc.components.schemas.UpdateWebhook?.properties ?? {})).toContain("receiverOptOutAcknowledged");
    expect(Object.keys(doc.paths["/v1/webhooks"]?.post?.responses ?? {})).toContain("402");
    expect(Object.keys(doc.paths["/v1/webhooks/{id}"]?.patch?.responses ?? {})).toContain("409");
    expect(Object.keys(doc.paths["/v1/webhooks/{id}/test"]?.post?.responses ?? {})).toContain("429");
    expect(Object.keys(doc.paths["/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver"]?.post?.responses ?? {})).toContain("429");
  });
});
