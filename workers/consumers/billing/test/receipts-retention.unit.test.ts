import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { linkCreated, newLinkId, newTeamId } from "../../../../test/support/event-fixtures";
import worker from "../src/index";
import { deliver, ledgerRows, reportsOf, usage } from "./helpers";

const DAY = 24 * 3_600_000;

async function receiptOf(eventId: string): Promise<string | null> {
  const row = await env.BILLING_DB.prepare("SELECT processed_at FROM consumer_receipts WHERE consumer = 'billing' AND event_id = ?")
    .bind(eventId)
    .first<{ processed_at: string }>();
  return row?.processed_at ?? null;
}

describe("billing: receipt retention (the hourly cron)", () => {
  it("keeps a receipt for 7 days after processing, then deletes it; the usage ledger stays, so a late redelivery still counts once", async () => {
    const teamId = newTeamId();
    const event = linkCreated({ teamId, linkId: newLinkId(), at: "2026-11-05T10:00:00.000Z" }, 2);
    await deliver([event]);
    const processedAt = await receiptOf(event.id);
    expect(processedAt).not.toBeNull();
    const processed = Date.parse(processedAt ?? "");

    await worker.scheduled(createScheduledController({ scheduledTime: processed + 6 * DAY, cron: "23 * * * *" }), env);
    expect(await receiptOf(event.id)).toBe(processedAt);

    await worker.scheduled(createScheduledController({ scheduledTime: processed + 7 * DAY + 1, cron: "23 * * * *" }), env);
    expect(await receiptOf(event.id)).toBeNull();

    // Past the window the toolkit no longer sees a duplicate, but billing's ledger is keyed by event id.
    await deliver([event], 2);
    expect((await reportsOf(event.id, 2)).map((r) => r.duplicate)).toEqual([false, false]);
    expect(await ledgerRows(teamId)).toHaveLength(1);
    expect((await usage.forTeam({ teamId, period: "2026-11" })).linksCreated).toBe(1);
  });
});
