import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createLink, createTeam, json, ADMIN } from "./helpers";

describe("event trace through the fan-out's ledger", () => {
  it("answers an event with its per-subscriber deliveries from the ledger", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/traced" });
    const row = await env.LINKS_DB.prepare("SELECT id FROM events WHERE subject = ?").bind(link.id).first<{ id: string }>();
    expect(row).not.toBeNull();
    const eventId = row?.id ?? "";
    // The ledger is the fan-out's database; write what the fan-out would have, then read it over RPC.
    await env.LEDGER_DB.prepare(
      "INSERT INTO deliveries (event_id, subscriber, status, attempts, last_error, processed_at, updated_at) VALUES (?, 'analytics', 'delivered', 1, NULL, '2026-11-26T00:00:00.000Z', '2026-11-26T00:00:00.000Z'), (?, 'webhooks', 'retrying', 2, 'endpoint answered 500', NULL, '2026-11-26T00:00:00.000Z')",
    )
      .bind(eventId, eventId)
      .run();
    const res = await api(`/v1/events/${eventId}`, { headers: team.auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      event: { id: string; type: string; version: number };
      deliveries: { subscriber: string; status: string; attempts: number; lastError: string | null }[];
    };
    expect(body.event).toMatchObject({ id: eventId, type: "LinkCreated", version: 3 });
    expect(body.deliveries).toEqual([
      { subscriber: "analytics", status: "delivered", attempts: 1, duplicates: 0, lastError: null, processedAt: "2026-11-26T00:00:00.000Z" },
      { subscriber: "webhooks", status: "retrying", attempts: 2, duplicates: 0, lastError: "endpoint answered 500", processedAt: null },
    ]);
  });

  it("refuses replay to an unknown subscriber and lists no dead letters on a fresh ledger", async () => {
    const bad = await api("/v1/admin/replay", json({ subscriber: "nobody" }, ADMIN));
    expect(bad.status).toBe(400);
    const letters = await api("/v1/admin/dead-letters", { headers: ADMIN });
    expect(letters.status).toBe(200);
    expect(await letters.json()).toEqual({ data: [], nextCursor: null });
  });
});
