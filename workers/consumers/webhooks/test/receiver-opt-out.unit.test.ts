import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { disableEndpointStatements } from "../src/endpoint-health";
import { clockedAttempts, createEndpoint, endpointEvents, endpointRow, insertDelivery, received, teamId, webhooks } from "./helpers";

const T0 = Date.parse("2026-12-01T10:00:00.000Z");
const DAY = 24 * 60 * 60 * 1000;

/** An endpoint its receiver disabled: the first attempt answers 410 Gone. */
async function optedOut(path: string) {
  const team = teamId();
  const endpoint = await createEndpoint(team, `https://hooks.example.com/gone/${path}`);
  await clockedAttempts().attempt(await insertDelivery(team, endpoint.id), T0);
  return { team, endpoint };
}

describe("a receiver's 410 opt-out", () => {
  it("shows who disabled the endpoint and when", async () => {
    const { team, endpoint } = await optedOut("shows");
    const got = await webhooks.get({ teamId: team, endpointId: endpoint.id });
    expect(got.ok && got.value).toMatchObject({
      enabled: false,
      disabledBy: "receiver",
      disabledAt: new Date(T0).toISOString(),
      disabledReason: "the endpoint answered 410 Gone",
    });
    expect(endpoint).toMatchObject({ enabled: true, disabledBy: null, disabledAt: null });
  });

  it("is not undone by enabled: true alone (409 conflict, nothing changes)", async () => {
    const { team, endpoint } = await optedOut("plain");
    const before = await endpointRow(endpoint.id);
    const result = await webhooks.update({ teamId: team, endpointId: endpoint.id, changes: { enabled: true } });
    expect(result).toMatchObject({ ok: false, error: { code: "conflict" } });
    expect(!result.ok && result.error.message).toContain("receiverOptOutAcknowledged");
    expect(await endpointRow(endpoint.id)).toEqual(before);
    // Nor with other changes beside it, nor by disabling it first: the team does not become who disabled it.
    expect(
      await webhooks.update({ teamId: team, endpointId: endpoint.id, changes: { enabled: true, url: "https://hooks.example.com/ok/elsewhere" } }),
    ).toMatchObject({ ok: false, error: { code: "conflict" } });
    const disabledAgain = await webhooks.update({ teamId: team, endpointId: endpoint.id, changes: { enabled: false, description: "paused" } });
    expect(disabledAgain.ok && disabledAgain.value).toMatchObject({
      enabled: false,
      disabledBy: "receiver",
      disabledAt: before.disabledAt,
      disabledReason: before.disabledReason,
      description: "paused",
    });
    expect(await webhooks.update({ teamId: team, endpointId: endpoint.id, changes: { enabled: true } })).toMatchObject({
      ok: false,
      error: { code: "conflict" },
    });
    expect(await received(`/gone/plain`)).toHaveLength(1);
  });

  it("is overridden only with receiverOptOutAcknowledged: true, which is recorded", async () => {
    const { team, endpoint } = await optedOut("ack");
    const result = await webhooks.update({ teamId: team, endpointId: endpoint.id, changes: { enabled: true, receiverOptOutAcknowledged: true } });
    expect(result.ok && result.value).toMatchObject({ enabled: true, disabledBy: null, disabledAt: null, disabledReason: null });
    expect(await endpointRow(endpoint.id)).toMatchObject({ enabled: true, consecutiveFailures: 0, failingSince: null });
    expect(await endpointEvents(endpoint.id)).toEqual([
      { type: "endpoint.disabled", reason: "the endpoint answered 410 Gone" },
      { type: "endpoint.enabled", reason: "enabled by the team, acknowledging that the receiver had answered 410 Gone" },
    ]);
  });

  it.each([{ receiverOptOutAcknowledged: true }, { enabled: false, receiverOptOutAcknowledged: true }, { enabled: true, receiverOptOutAcknowledged: false }])(
    "refuses the acknowledgement %j other than beside enabled: true",
    async (changes) => {
      const { team, endpoint } = await optedOut(`bad-ack-${String(changes.enabled)}-${String(changes.receiverOptOutAcknowledged)}`);
      const result = await webhooks.update({ teamId: team, endpointId: endpoint.id, changes });
      expect(result).toMatchObject({ ok: false, error: { code: "invalid_request", issues: [{ path: "receiverOptOutAcknowledged" }] } });
      expect(await endpointRow(endpoint.id)).toMatchObject({ enabled: false, disabledBy: "receiver" });
    },
  );

  it("takes over an endpoint the team disabled while the 410's attempt was in flight; failures do not", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/in-flight");
    await webhooks.update({ teamId: team, endpointId: endpoint.id, changes: { enabled: false } });
    const at = new Date(T0).toISOString();
    await env.WEBHOOKS_DB.batch(
      disableEndpointStatements(env.WEBHOOKS_DB, { id: endpoint.id, teamId: team }, { by: "failures", reason: "4 deliveries failed in a row" }, at),
    );
    expect(await endpointRow(endpoint.id)).toMatchObject({ enabled: false, disabledBy: "team", disabledReason: "disabled by the team" });
    await env.WEBHOOKS_DB.batch(
      disableEndpointStatements(env.WEBHOOKS_DB, { id: endpoint.id, teamId: team }, { by: "receiver", reason: "the endpoint answered 410 Gone" }, at),
    );
    expect(await endpointRow(endpoint.id)).toMatchObject({
      enabled: false,
      disabledBy: "receiver",
      disabledAt: at,
      disabledReason: "the endpoint answered 410 Gone",
    });
    expect(await endpointEvents(endpoint.id)).toEqual([{ type: "endpoint.disabled", reason: "the endpoint answered 410 Gone" }]);
    expect(await webhooks.update({ teamId: team, endpointId: endpoint.id, changes: { enabled: true } })).toMatchObject({
      ok: false,
      error: { code: "conflict" },
    });
  });
});

describe("endpoints disabled otherwise", () => {
  it("re-enables an endpoint the failures disabled with enabled: true, as before", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/answer/opt-fail?status=500");
    const driver = clockedAttempts();
    // Failing for 5 days without a success disables it.
    await driver.attempt(await insertDelivery(team, endpoint.id), T0);
    await driver.attempt(await insertDelivery(team, endpoint.id), T0 + 5 * DAY);
    expect(await endpointRow(endpoint.id)).toMatchObject({ enabled: false, disabledBy: "failures", disabledAt: new Date(T0 + 5 * DAY).toISOString() });
    const result = await webhooks.update({ teamId: team, endpointId: endpoint.id, changes: { enabled: true } });
    expect(result.ok && result.value).toMatchObject({ enabled: true, disabledBy: null, disabledAt: null, disabledReason: null });
  });

  it("re-enables an endpoint the team disabled with enabled: true, as before", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/opt-team");
    const disabled = await webhooks.update({ teamId: team, endpointId: endpoint.id, changes: { enabled: false } });
    expect(disabled.ok && disabled.value).toMatchObject({
      enabled: false,
      disabledBy: "team",
      disabledReason: "disabled by the team",
      disabledAt: expect.any(String),
    });
    const result = await webhooks.update({ teamId: team, endpointId: endpoint.id, changes: { enabled: true } });
    expect(result.ok && result.value).toMatchObject({ enabled: true, disabledBy: null, disabledAt: null, disabledReason: null });
  });
});
