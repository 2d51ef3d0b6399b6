import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { linkClicked, linkCreated, linkDeleted, newLinkId, newTeamId } from "../../../../test/support/event-fixtures";
import { deliver, invalidReportsWith, ledgerRows, reportsOf, usage } from "./helpers";

const created = (teamId: string, at: string, version: 1 | 2 | 3 = 3) => linkCreated({ teamId, linkId: newLinkId(), at }, version);

describe("billing consumer: the usage ledger", () => {
  it("counts LinkCreated v1, v2 and v3 alike, once each, though delivered twice in a batch and again later", async () => {
    const teamId = newTeamId();
    const v1 = created(teamId, "2026-11-03T10:00:00.000Z", 1);
    const v2 = created(teamId, "2026-11-04T10:00:00.000Z", 2);
    const v3 = created(teamId, "2026-11-05T10:00:00.000Z", 3);
    const first = await deliver([v1, v2, v3, v1, v2, v3]);
    expect(first.retryMessages).toEqual([]);
    expect(first.explicitAcks).toHaveLength(6);
    await deliver([v2, v1, v3], 3);

    expect(await usage.forTeam({ teamId, period: "2026-11" })).toEqual({ plan: "free", period: "2026-11", linksCreated: 3, linkLimit: 1000 });
    expect((await reportsOf(v2.id, 3)).map((r) => r.duplicate)).toEqual([false, true, true]);
  });

  it("never double-counts a replay, even when the receipt is gone: the ledger is keyed by event id", async () => {
    const teamId = newTeamId();
    const event = created(teamId, "2026-11-10T10:00:00.000Z");
    await deliver([event]);
    await env.BILLING_DB.prepare("DELETE FROM consumer_receipts WHERE event_id = ?").bind(event.id).run();
    const replay = await deliver([event], 1);
    expect(replay.retryMessages).toEqual([]);
    expect(await ledgerRows(teamId)).toEqual([{ event_id: event.id, link_id: event.data.link.id, period: "2026-11" }]);
    expect((await usage.forTeam({ teamId, period: "2026-11" })).linksCreated).toBe(1);
  });

  it("bills each link in the UTC calendar month of its creation", async () => {
    const teamId = newTeamId();
    await deliver([
      created(teamId, "2026-10-31T23:59:59.999Z"),
      created(teamId, "2026-11-01T00:00:00.000Z"),
      created(teamId, "2026-11-30T23:59:59.999Z"),
      created(teamId, "2026-12-01T00:00:00.000Z"),
      created(teamId, "2027-01-01T00:00:00.000Z"),
    ]);
    const count = async (period: string) => (await usage.forTeam({ teamId, period })).linksCreated;
    expect([await count("2026-10"), await count("2026-11"), await count("2026-12"), await count("2027-01"), await count("2027-02")]).toEqual([1, 2, 1, 1, 0]);
  });

  it("ignores other event types and other teams' links", async () => {
    const teamId = newTeamId();
    const linkId = newLinkId();
    const result = await deliver([linkClicked({ teamId, linkId }), linkDeleted({ teamId, linkId }), created(newTeamId(), "2026-11-05T00:00:00.000Z")]);
    expect(result.retryMessages).toEqual([]);
    expect((await usage.forTeam({ teamId, period: "2026-11" })).linksCreated).toBe(0);
  });

  it("acks and dead-letters malformed messages via the report, counting none of them", async () => {
    const teamId = newTeamId();
    const good = created(teamId, "2026-11-05T00:00:00.000Z");
    const noLink = { ...created(teamId, "2026-11-05T00:00:00.000Z"), data: { domain: "lnk.example" } };
    const badTeam = { ...created(teamId, "2026-11-05T00:00:00.000Z"), teamId: `${teamId}-x` };
    const result = await deliver([noLink, good, badTeam]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(3);
    expect((await usage.forTeam({ teamId, period: "2026-11" })).linksCreated).toBe(1);
    const letters = await invalidReportsWith(teamId, 2);
    expect(letters.map((l) => l.reason)).toEqual([expect.stringMatching(/^invalid envelope: /), expect.stringMatching(/^invalid envelope: teamId/)]);
  });

  it("retries only the poisoned event: a second event id for an already billed link fails alone", async () => {
    const teamId = newTeamId();
    const original = created(teamId, "2026-11-06T00:00:00.000Z");
    await deliver([original]);
    const impostor = linkCreated({ teamId, linkId: original.data.link.id, at: "2026-11-06T00:00:00.000Z" });
    const others = [created(teamId, "2026-11-07T00:00:00.000Z"), created(teamId, "2026-11-08T00:00:00.000Z")];
    const result = await deliver([others[0], impostor, others[1]]);
    expect(result.retryMessages).toHaveLength(1);
    expect(result.explicitAcks).toHaveLength(2);
    expect((await usage.forTeam({ teamId, period: "2026-11" })).linksCreated).toBe(3);
    const [report] = await reportsOf(impostor.id);
    expect(report?.status).toBe("retrying");
    expect(report?.error).toContain("UNIQUE constraint failed: usage_ledger.link_id");
  });
});
