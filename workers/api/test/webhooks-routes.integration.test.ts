import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createTeam, errorOf, json } from "./helpers";

async function endpointCount(): Promise<number> {
  const row = await env.WEBHOOKS_DB.prepare("SELECT count(*) AS n FROM webhook_endpoints").first<{ n: number }>();
  return row?.n ?? -1;
}

describe("/v1/webhooks", () => {
  it("creates, lists, reads, changes, rotates, tests and removes an endpoint", async () => {
    const team = await createTeam();
    const created = await api(
      "/v1/webhooks",
      json({ url: "https://hooks.example.com/in", events: ["link.created", "link.clicked"], description: "CRM" }, team.auth),
    );
    expect(created.status).toBe(201);
    const endpoint = (await created.json()) as { id: string; url: string; events: string[]; secret: string; enabled: boolean };
    expect(endpoint).toMatchObject({ url: "https://hooks.example.com/in", events: ["link.created", "link.clicked"], enabled: true });
    expect(endpoint.secret).toMatch(/^whsec_/);

    const list = (await (await api("/v1/webhooks", { headers: team.auth })).json()) as { data: { id: string; secret?: string }[]; nextCursor: string | null };
    expect(list.data.map((e) => e.id)).toEqual([endpoint.id]);
    expect(list.data[0]?.secret).toBeUndefined();
    expect(list.nextCursor).toBeNull();

    const patched = await api(`/v1/webhooks/${endpoint.id}`, { ...json({ events: ["link.deleted"], enabled: false }, team.auth), method: "PATCH" });
    expect(await patched.json()).toMatchObject({ events: ["link.deleted"], enabled: false });

    const rotated = await api(`/v1/webhooks/${endpoint.id}/rotate-secret`, { method: "POST", headers: team.auth });
    expect(rotated.status).toBe(200);
    expect(((await rotated.json()) as { secret: string }).secret).not.toBe(endpoint.secret);

    // A disabled endpoint cannot be sent a test event; enabled again, it can.
    expect((await api(`/v1/webhooks/${endpoint.id}/test`, { method: "POST", headers: team.auth })).status).toBe(409);
    await api(`/v1/webhooks/${endpoint.id}`, { ...json({ enabled: true }, team.auth), method: "PATCH" });
    expect((await api(`/v1/webhooks/${endpoint.id}/test`, { method: "POST", headers: team.auth })).status).toBe(202);
    const deliveries = (await (await api(`/v1/webhooks/${endpoint.id}/deliveries`, { headers: team.auth })).json()) as {
      data: { eventType: string; status: string }[];
    };
    expect(deliveries.data[0]).toMatchObject({ eventType: "webhook.test", status: "pending" });

    expect((await api(`/v1/webhooks/${endpoint.id}`, { method: "DELETE", headers: team.auth })).status).toBe(204);
    expect((await api(`/v1/webhooks/${endpoint.id}`, { headers: team.auth })).status).toBe(404);
  });

  it.each([
    [{ url: "http://hooks.example.com/in", events: ["link.created"] }, "url"],
    [{ url: "https://10.0.0.1/in", events: ["link.created"] }, "url"],
    [{ url: "https://169.254.169.254/latest", events: ["link.created"] }, "url"],
    [{ url: "https://hooks.example.com/in", events: [] }, "events"],
    [{ url: "https://hooks.example.com/in", events: ["link.exploded"] }, "events.0"],
    [{ url: "https://hooks.example.com/in", events: ["link.created"], secret: "mine" }, ""],
  ])("refuses %j with 400 and writes nothing", async (body, path) => {
    const team = await createTeam();
    const before = await endpointCount();
    const res = await api("/v1/webhooks", json(body, team.auth));
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_request");
    if (path) expect(error.issues?.map((i) => i.path)).toContain(path);
    expect(await endpointCount()).toBe(before);
  });

  it("hides one team's endpoints from another", async () => {
    const owner = await createTeam("Owner");
    const other = await createTeam("Other");
    const res = await api("/v1/webhooks", json({ url: "https://hooks.example.com/own", events: ["link.created"] }, owner.auth));
    const { id } = (await res.json()) as { id: string };
    for (const [method, path] of [
      ["GET", ""],
      ["DELETE", ""],
      ["POST", "/rotate-secret"],
      ["POST", "/test"],
      ["GET", "/deliveries"],
    ] as const) {
      const answer = await api(`/v1/webhooks/${id}${path}`, { method, headers: other.auth });
      expect(answer.status, `${method} ${path}`).toBe(404);
    }
    expect(((await (await api("/v1/webhooks", { headers: other.auth })).json()) as { data: unknown[] }).data).toEqual([]);
    expect((await api("/v1/webhooks/not-an-id", { headers: owner.auth })).status).toBe(404);
    expect((await api(`/v1/webhooks/${id}/deliveries/dlv_nope/redeliver`, { method: "POST", headers: owner.auth })).status).toBe(404);
  });

  it.each([
    [{ url: "https://192.168.1.1/in" }, "url"],
    [{ url: "http://hooks.example.com/in" }, "url"],
    [{ events: ["link.exploded"] }, "events.0"],
    [{ events: [] }, "events"],
    [{ enabled: "yes" }, "enabled"],
    [{ secret: "mine" }, ""],
    [{}, ""],
  ])("refuses the change %j with 400 and leaves the endpoint as it was", async (change, path) => {
    const team = await createTeam();
    const created = (await (await api("/v1/webhooks", json({ url: "https://hooks.example.com/keep", events: ["link.created"] }, team.auth))).json()) as {
      id: string;
    };
    const before = await (await api(`/v1/webhooks/${created.id}`, { headers: team.auth })).json();
    const res = await api(`/v1/webhooks/${created.id}`, { ...json(change, team.auth), method: "PATCH" });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe("invalid_request");
    if (path) expect(error.issues?.map((i) => i.path)).toContain(path);
    expect(await (await api(`/v1/webhooks/${created.id}`, { headers: team.auth })).json()).toEqual(before);
  });

  it("pages endpoints and the delivery log with cursors, and redelivers one delivery", async () => {
    const team = await createTeam();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api("/v1/webhooks", json({ url: `https://hooks.example.com/page-${i}`, events: ["link.created"] }, team.auth));
      ids.push(((await res.json()) as { id: string }).id);
    }
    type Page = { data: { id: string }[]; nextCursor: string | null };
    const first = (await (await api("/v1/webhooks?limit=2", { headers: team.auth })).json()) as Page;
    expect(first.data.map((e) => e.id)).toEqual(ids.slice(0, 2));
    const second = (await (await api(`/v1/webhooks?limit=2&cursor=${first.nextCursor ?? ""}`, { headers: team.auth })).json()) as Page;
    expect(second).toEqual({ data: [expect.objectContaining({ id: ids[2] })], nextCursor: null });
    expect((await api("/v1/webhooks?cursor=not-a-cursor", { headers: team.auth })).status).toBe(400);

    const endpointId = ids[0] ?? "";
    const tests = [];
    for (let i = 0; i < 2; i++)
      tests.push(
        (await (await api(`/v1/webhooks/${endpointId}/test`, { method: "POST", headers: team.auth })).json()) as { deliveryId: string; eventId: string },
      );
    const log = (await (await api(`/v1/webhooks/${endpointId}/deliveries?limit=1`, { headers: team.auth })).json()) as Page & {
      data: Record<string, unknown>[];
    };
    expect(log.data).toHaveLength(1);
    expect(Object.keys(log.data[0] ?? {}).sort()).toEqual(
      [
        "attempts",
        "createdAt",
        "deliveredAt",
        "eventId",
        "eventType",
        "id",
        "lastError",
        "nextAttemptAt",
        "responseExcerpt",
        "responseStatus",
        "status",
      ].sort(),
    );
    expect(log.data[0]).toMatchObject({ id: tests[1]?.deliveryId, eventId: tests[1]?.eventId, eventType: "webhook.test", attempts: 0 });
    const rest = (await (await api(`/v1/webhooks/${endpointId}/deliveries?limit=1&cursor=${log.nextCursor ?? ""}`, { headers: team.auth })).json()) as Page;
    expect(rest.data.map((d) => d.id)).toEqual([tests[0]?.deliveryId]);

    const one = await api(`/v1/webhooks/${endpointId}/deliveries/${tests[0]?.deliveryId ?? ""}`, { headers: team.auth });
    expect(await one.json()).toMatchObject({ id: tests[0]?.deliveryId, eventType: "webhook.test", status: "pending", attemptLog: [] });
    expect((await api(`/v1/webhooks/${ids[1] ?? ""}/deliveries/${tests[0]?.deliveryId ?? ""}`, { headers: team.auth })).status).toBe(404);

    const redeliver = await api(`/v1/webhooks/${endpointId}/deliveries/${tests[0]?.deliveryId ?? ""}/redeliver`, { method: "POST", headers: team.auth });
    expect(redeliver.status).toBe(202);
    expect(await redeliver.json()).toEqual({ queued: true });
    // Another endpoint's delivery id is not this endpoint's.
    const elsewhere = await api(`/v1/webhooks/${ids[1] ?? ""}/deliveries/${tests[0]?.deliveryId ?? ""}/redeliver`, { method: "POST", headers: team.auth });
    expect(elsewhere.status).toBe(404);
  });
});
