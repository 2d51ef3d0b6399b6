import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { linkClicked, linkCreated, linkDeleted, linkUpdated, newLinkId, newTeamId } from "../../../../test/support/event-fixtures";
import { deliver, invalidReportsWith, linkRecord, reportsOf, stats } from "./helpers";

const DAY = { from: "2026-11-26", to: "2026-11-26" };

describe("analytics consumer: exactly once, in any order", () => {
  it("counts a click delivered twice in one batch and again in a later batch once", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    const click = linkClicked(target);
    const first = await deliver([click, click]);
    expect(first.retryMessages).toEqual([]);
    expect(first.explicitAcks).toHaveLength(2);
    const second = await deliver([click], 2);
    expect(second.retryMessages).toEqual([]);

    expect((await stats.forLink({ ...target, ...DAY }))?.clicks).toBe(1);
    const reports = await reportsOf(click.id, 3);
    expect(reports.map((r) => [r.status, r.duplicate])).toEqual([
      ["delivered", false],
      ["delivered", true],
      ["delivered", true],
    ]);
  });

  it("counts clicks that arrive before their LinkCreated, and LinkCreated then fills the record in", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    await deliver([linkClicked(target), linkClicked(target)]);
    expect(await linkRecord(target.linkId)).toEqual({ team_id: target.teamId, slug: "launch", created_at: null, deleted_at: null });

    await deliver([linkCreated({ ...target, slug: "spring", at: "2026-11-25T09:00:00.000Z" })]);
    expect(await linkRecord(target.linkId)).toEqual({ team_id: target.teamId, slug: "spring", created_at: "2026-11-25T09:00:00.000Z", deleted_at: null });
    expect((await stats.forLink({ ...target, ...DAY }))?.clicks).toBe(2);
  });

  it("initialises the record from LinkCreated v1, v2 and v3 alike", async () => {
    const teamId = newTeamId();
    const v1 = { teamId, linkId: newLinkId() };
    const v2 = { teamId, linkId: newLinkId() };
    const v3 = { teamId, linkId: newLinkId() };
    const result = await deliver([
      linkCreated({ ...v1, slug: "from-v1" }, 1),
      linkCreated({ ...v2, slug: "from-v2" }, 2),
      linkCreated({ ...v3, slug: "from-v3" }, 3),
    ]);
    expect(result.retryMessages).toEqual([]);
    expect(await linkRecord(v3.linkId)).toMatchObject({ team_id: teamId, slug: "from-v3", created_at: "2026-11-26T10:00:00.000Z" });
    expect(await linkRecord(v1.linkId)).toMatchObject({ team_id: teamId, slug: "from-v1", created_at: "2026-11-26T10:00:00.000Z" });
    expect(await linkRecord(v2.linkId)).toMatchObject({ team_id: teamId, slug: "from-v2", created_at: "2026-11-26T10:00:00.000Z" });
  });

  it("marks a deleted link, whichever of LinkCreated and LinkDeleted comes first, and keeps its clicks", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    await deliver([linkClicked(target), linkDeleted({ ...target, at: "2026-11-27T08:00:00.000Z" })]);
    await deliver([linkCreated({ ...target, slug: "gone" })]);
    expect(await linkRecord(target.linkId)).toEqual({
      team_id: target.teamId,
      slug: "gone",
      created_at: "2026-11-26T10:00:00.000Z",
      deleted_at: "2026-11-27T08:00:00.000Z",
    });
    expect((await stats.forLink({ ...target, ...DAY }))?.clicks).toBe(1);
  });

  it("acks and dead-letters malformed messages (via the report) without counting them, and still counts the rest", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    const good = linkClicked(target);
    const badHash = { ...linkClicked(target), data: { ...good.data, visitorHash: "not-a-hash" } };
    const unknownVersion = { ...linkClicked(target), version: 7 };
    const garbage = `garbage for ${target.linkId}`;
    const result = await deliver([badHash, good, unknownVersion, garbage]);
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(4);

    expect((await stats.forLink({ ...target, ...DAY }))?.clicks).toBe(1);
    const letters = await invalidReportsWith(target.linkId, 3);
    expect(letters).toHaveLength(3);
    for (const letter of letters) expect(letter.reason).toMatch(/^invalid envelope: /);
    expect(letters.find((l) => l.body.includes("not-a-hash"))?.reason).toContain("data.visitorHash");
    const receipt = await env.ANALYTICS_DB.prepare("SELECT count(*) AS n FROM consumer_receipts WHERE event_id IN (?, ?)")
      .bind(badHash.id, unknownVersion.id)
      .first<{ n: number }>();
    expect(receipt?.n).toBe(0);
  });

  it("retries only the poisoned event: a click claiming another team's link fails alone, the batch still lands", async () => {
    const owner = { teamId: newTeamId(), linkId: newLinkId() };
    await deliver([linkCreated(owner)]);
    const intruder = linkClicked({ teamId: newTeamId(), linkId: owner.linkId });
    const other = { teamId: newTeamId(), linkId: newLinkId() };
    const fine = [linkClicked(owner), linkClicked(other), linkClicked(other)];
    const result = await deliver([fine[0], intruder, fine[1], fine[2]]);

    expect(result.retryMessages.map((m) => m.msgId)).toEqual([expect.stringMatching(/-1$/)]);
    expect(result.explicitAcks).toHaveLength(3);
    expect((await stats.forLink({ ...owner, ...DAY }))?.clicks).toBe(1);
    expect((await stats.forLink({ ...other, ...DAY }))?.clicks).toBe(2);
    expect(await linkRecord(owner.linkId)).toMatchObject({ team_id: owner.teamId });
    const [report] = await reportsOf(intruder.id);
    expect(report).toMatchObject({ status: "retrying", attempts: 1 });
    expect(report?.error).toContain("NOT NULL constraint failed: analytics_links.team_id");
  });

  it("acknowledges LinkUpdated without effect (not a stats fact)", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    const result = await deliver([linkUpdated(target)]);
    expect(result.retryMessages).toEqual([]);
    expect(await linkRecord(target.linkId)).toBeNull();
  });
});
