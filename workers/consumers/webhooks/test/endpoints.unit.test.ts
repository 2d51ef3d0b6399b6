import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  createEndpoint,
  deliveriesOf,
  MAX_ENDPOINTS,
  insertDelivery,
  linkEvent,
  publish,
  received,
  teamId,
  waitForDelivery,
  waitForReceived,
  webhooks,
} from "./helpers";

const REFUSED = [
  "http://hooks.example.com/plain-http",
  "https://127.0.0.1/x",
  "https://localhost/x",
  "https://api.localhost/x",
  "https://10.1.2.3/x",
  "https://172.16.0.1/x",
  "https://192.168.0.10/x",
  "https://169.254.169.254/latest/meta-data",
  "https://100.64.0.1/x",
  "https://0.0.0.0/x",
  "https://2130706433/x",
  "https://0x7f.0.0.1/x",
  "https://0177.0.0.1/x",
  "https://[::1]/x",
  "https://[fd00::1]/x",
  "https://[fe80::1]/x",
  "https://[::ffff:127.0.0.1]/x",
  "https://[::ffff:a9fe:a9fe]/x",
  "https://metadata.google.internal/x",
  "https://service.internal/x",
  "https://printer.local/x",
  "https://intranet/x",
  "https://user:pass@hooks.example.com/x",
  "https://private.example.com/x",
  "https://metadata.example.com/x",
  "https://mixed.example.com/x",
  "https://does-not-exist.example.com/x",
  "https://v6-private.example.com/x",
  "https://v6-mapped.example.com/x",
  "https://servfail.example.com/x",
  "https://resolver-down.example.com/x",
  "https://127.1/x",
  "https://0/x",
  "https://LOCALHOST./x",
  "https://[::]/x",
  "https://[::ffff:7f00:1]/x",
  "https://[64:ff9b::a9fe:a9fe]/x",
  "https://[2002:a00:1::]/x",
  "https://[fc00::1]/x",
  "https://198.18.0.1/x",
  "https://224.0.0.1/x",
  "https://255.255.255.255/x",
  "https://instance-data/x",
  "http://127.0.0.1:8080/x",
  "ftp://hooks.example.com/x",
  "not a url",
];

describe("endpoints", () => {
  it("accepts a public https URL whose host resolves to public addresses only (CNAMEs followed)", async () => {
    const team = teamId();
    for (const url of ["https://hooks.example.com/in", "https://cname.example.com/in", "https://93.184.216.34/in", "https://[2606:2800:220:1::1]/in"]) {
      const result = await webhooks.create({ teamId: team, url, events: ["link.created"], maxEndpoints: MAX_ENDPOINTS });
      expect(result.ok, url).toBe(true);
    }
  });

  it.each(REFUSED)("refuses %s (SSRF policy) and stores nothing", async (url) => {
    const team = teamId();
    const result = await webhooks.create({ teamId: team, url, events: ["link.created"], maxEndpoints: MAX_ENDPOINTS });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe("invalid_request");
    expect(!result.ok && result.error.issues?.[0]?.path).toBe("url");
    expect(!result.ok && result.error.message).toMatch(/^The url /);
    const count = await env.WEBHOOKS_DB.prepare("SELECT count(*) AS n FROM webhook_endpoints WHERE team_id = ?").bind(team).first<{ n: number }>();
    expect(count?.n).toBe(0);
  });

  it("stores the signing secret encrypted, never as given", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/enc");
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const row = await env.WEBHOOKS_DB.prepare("SELECT * FROM webhook_endpoints WHERE id = ?").bind(endpoint.id).first<Record<string, unknown>>();
    expect(JSON.stringify(row)).not.toContain(endpoint.secret.slice(6));
  });

  it("sends a webhook.test event, and redelivers a delivery with the same webhook-id", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/test-redeliver");
    const test = await webhooks.sendTest({ teamId: team, endpointId: endpoint.id });
    if (!test.ok) throw new Error("test failed");
    const [first] = await waitForReceived("/ok/test-redeliver", 1);
    expect(JSON.parse(first?.body ?? "{}")).toMatchObject({ type: "webhook.test" });
    await waitForDelivery(team, endpoint.id, (d) => d.status === "delivered");
    const again = await webhooks.redeliver({ teamId: team, endpointId: endpoint.id, deliveryId: test.value.deliveryId });
    expect(again.ok).toBe(true);
    const both = await waitForReceived("/ok/test-redeliver", 2);
    expect(both.map((r) => r.headers["webhook-id"])).toEqual([test.value.eventId, test.value.eventId]);
  });

  it("keeps teams apart and validates changes", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/iso");
    const other = teamId();
    for (const call of [
      webhooks.get({ teamId: other, endpointId: endpoint.id }),
      webhooks.remove({ teamId: other, endpointId: endpoint.id }),
      webhooks.rotateSecret({ teamId: other, endpointId: endpoint.id }),
      webhooks.deliveries({ teamId: other, endpointId: endpoint.id }),
    ]) {
      const result = await call;
      expect(!result.ok && result.error.code).toBe("not_found");
    }
    const bad = await webhooks.update({ teamId: team, endpointId: endpoint.id, changes: { events: ["link.exploded"] } });
    expect(!bad.ok && bad.error.code).toBe("invalid_request");
    const disabled = await webhooks.update({ teamId: team, endpointId: endpoint.id, changes: { enabled: false } });
    expect(disabled.ok && disabled.value).toMatchObject({ enabled: false, disabledReason: "disabled by the team" });
    await publish([linkEvent(team)]);
    expect(await deliveriesOf(team, endpoint.id)).toEqual([]);
    expect(await received("/ok/iso")).toEqual([]);
  });

  it("lists a team's endpoints page by page, and removes one with its delivery log", async () => {
    const team = teamId();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createEndpoint(team, `https://hooks.example.com/ok/page-${i}`)).id);
    const first = await webhooks.list({ teamId: team, limit: 2 });
    if (!first.ok) throw new Error("list failed");
    expect(first.value.data.map((e) => e.id)).toEqual(ids.slice(0, 2));
    const second = await webhooks.list({ teamId: team, limit: 2, afterId: first.value.nextAfterId ?? undefined });
    expect(second.ok && second.value).toEqual({ data: [expect.objectContaining({ id: ids[2] })], nextAfterId: null });

    const endpointId = ids[0] ?? "";
    for (let i = 0; i < 3; i++) await insertDelivery(team, endpointId);
    const page = await webhooks.deliveries({ teamId: team, endpointId, limit: 2 });
    if (!page.ok) throw new Error("deliveries failed");
    expect(page.value.data).toHaveLength(2);
    const rest = await webhooks.deliveries({ teamId: team, endpointId, limit: 2, beforeId: page.value.nextBeforeId ?? undefined });
    expect(rest.ok && rest.value.data.length).toBe(1);
    expect(rest.ok && rest.value.nextBeforeId).toBeNull();

    expect((await webhooks.remove({ teamId: team, endpointId })).ok).toBe(true);
    const left = await env.WEBHOOKS_DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = ?").bind(endpointId).first<{ n: number }>();
    expect(left?.n).toBe(0);
    expect(await webhooks.get({ teamId: team, endpointId })).toMatchObject({ ok: false, error: { code: "not_found" } });
  });
});
