import { describe, expect, it } from "vitest";
import { newTeamId } from "../../../../test/support/event-fixtures";
import { periodBounds, periodOf } from "#contracts/billing/plans";
import { invalidInputAt, refusalOf } from "../../../../test/support/rpc-answers";
import { usage, usageRpc } from "./helpers";

describe("plans and usage RPC", () => {
  it("answers free (1,000 links) for a team billing was never told about, the current UTC month by default", async () => {
    const teamId = newTeamId();
    expect(await usage.forTeam({ teamId })).toEqual({ plan: "free", period: new Date().toISOString().slice(0, 7), linksCreated: 0, linkLimit: 1000 });
  });

  it("keeps the plan it is given (pro: 100,000 links), idempotently", async () => {
    const teamId = newTeamId();
    expect(await usage.setPlan({ teamId, plan: "pro" })).toEqual({ teamId, plan: "pro" });
    expect(await usage.setPlan({ teamId, plan: "pro" })).toEqual({ teamId, plan: "pro" });
    expect(await usage.forTeam({ teamId, period: "2026-11" })).toEqual({ plan: "pro", period: "2026-11", linksCreated: 0, linkLimit: 100_000 });
    await usage.setPlan({ teamId, plan: "free" });
    expect((await usage.forTeam({ teamId, period: "2026-11" })).linkLimit).toBe(1000);
  });

  it("refuses input that does not parse, naming the field", async () => {
    expect(refusalOf(await usageRpc.setPlan({ teamId: newTeamId(), plan: "enterprise" }))).toMatchObject(invalidInputAt("plan"));
    expect(refusalOf(await usageRpc.setPlan({ teamId: "team_x", plan: "pro" }))).toMatchObject(invalidInputAt("teamId"));
    expect(refusalOf(await usageRpc.forTeam({ teamId: newTeamId(), period: "2026-13" }))).toMatchObject(invalidInputAt("period", /^expected a month YYYY-MM/));
  });

  it("bounds a month as a half-open UTC range", () => {
    expect(periodBounds("2026-12")).toEqual({ start: "2026-12-01T00:00:00.000Z", end: "2027-01-01T00:00:00.000Z" });
    expect(periodBounds("2028-02")).toEqual({ start: "2028-02-01T00:00:00.000Z", end: "2028-03-01T00:00:00.000Z" });
    expect(periodOf("2026-11-30T23:59:59.999Z")).toBe("2026-11");
    expect(periodOf(new Date("2026-12-01T00:00:00.000Z"))).toBe("2026-12");
  });
});
