import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { createEndpoint, deliveriesOf, linkEvent, publish, received, teamId, waitForDelivery, waitForReceived, webhooks } from "./helpers";

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
  "ftp://hooks.example.com/x",
  "not a url",
];

describe("endpoints", () => {
  it.each(REFUSED)("refuses %s (SSRF policy) and stores nothing", async (url) => {
    const team = teamId();
    const result = await webhooks.create({ teamId: team, url, events: ["link.created"] });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe("invalid_request");
    expect(!result.ok && result.error.issues?.[0]?.path).toBe("url");
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

  it("signs with both secrets for 24 h after a rotation, then with the new one only", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/rotate");
    const rotated = await webhooks.rotateSecret({ teamId: team, endpointId: endpoint.id });
    if (!rotated.ok) throw new Error("rotate failed");
    await publish([linkEvent(team)]);
    const [during] = await waitForReceived("/ok/rotate", 1);
    expect(during?.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(() => new Webhook(endpoint.secret).verify(during?.body ?? "", during?.headers ?? {})).not.toThrow();
    expect(() => new Webhook(rotated.value.secret).verify(during?.body ?? "", during?.headers ?? {})).not.toThrow();

    await env.WEBHOOKS_DB.prepare("UPDATE webhook_endpoints SET previous_secret_expires_at = ? WHERE id = ?").bind(new Date(Date.now() - 1000).toISOString(), endpoint.id).run();
    await publish([linkEvent(team)]);
    const after = (await waitForReceived("/ok/rotate", 2))[1];
    expect(after?.headers["webhook-signature"]?.split(" ")).toHaveLength(1);
    expect(() => new Webhook(endpoint.secret).verify(after?.body ?? "", after?.headers ?? {})).toThrow();
    expect(() => new Webhook(rotated.value.secret).verify(after?.body ?? "", after?.headers ?? {})).not.toThrow();
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
});
