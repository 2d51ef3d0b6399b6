import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { SUBSCRIPTIONS } from "#contracts/fanout/subscriptions";
import { api, createLink, createTeam, deliveries, eventIdOf, eventually, type Delivery } from "./client";

const subscribersOf = (type: string) =>
  SUBSCRIPTIONS.filter((s) => (s.types as readonly string[]).includes(type))
    .map((s) => s.subscriber)
    .sort();

function allDelivered(list: Delivery[], expected: string[]): boolean {
  const delivered = list
    .filter((d) => d.status === "delivered")
    .map((d) => d.subscriber)
    .sort();
  return JSON.stringify(delivered) === JSON.stringify(expected);
}

describe("the event backbone on the real stack", () => {
  it("delivers a created link's event to every subscriber, and the ledger says so", async () => {
    const team = await createTeam("Backbone");
    const link = await createLink(team, { url: "https://example.com/backbone" });
    const eventId = await eventIdOf(team, link.id, "LinkCreated");
    const final = await eventually(async () => {
      const list = await deliveries(team, eventId);
      return allDelivered(list, subscribersOf("LinkCreated")) && list;
    }, "every subscriber to report delivered");
    for (const d of final) expect(d).toMatchObject({ status: "delivered", attempts: 1, duplicates: 0, lastError: null });
  });

  it("applies an event sent three times once per consumer: the ledger counts the duplicates", async () => {
    const team = await createTeam("Thrice");
    const link = await createLink(team, { url: "https://example.com/thrice" });
    const eventId = await eventIdOf(team, link.id, "LinkCreated");
    const subscribers = subscribersOf("LinkCreated");
    await eventually(async () => allDelivered(await deliveries(team, eventId), subscribers), "first delivery");

    for (let i = 0; i < 2; i++) {
      for (const subscriber of subscribers) {
        const replay = await api.admin<{ queued: number }>("POST", "/v1/admin/replay", { subscriber, eventIds: [eventId] });
        expect(replay.queued).toBe(1);
      }
    }
    const final = await eventually(async () => {
      const list = await deliveries(team, eventId);
      return list.every((d) => d.duplicates === 2) && list.length === subscribers.length && list;
    }, "each subscriber to skip both copies");
    for (const d of final) expect(d).toMatchObject({ status: "delivered", attempts: 1, duplicates: 2 });

    // One effect, not three: the billing ledger counted this team's link once.
    const usage = await api.get<{ linksCreated: number }>("/v1/usage", team);
    expect(usage.linksCreated).toBe(1);
  });

  it("lets one subscriber's failing event die with its error without blocking the others, then redrives it", async () => {
    const team = await createTeam("Faulty");
    const marker = `${inject("faultTag")}:analytics`;
    const bad = await createLink(team, { url: "https://example.com/fails-in-analytics", tags: [marker] });
    const badEventId = await eventIdOf(team, bad.id, "LinkCreated");
    const good = await createLink(team, { url: "https://example.com/fine" });
    const goodEventId = await eventIdOf(team, good.id, "LinkCreated");

    await eventually(async () => allDelivered(await deliveries(team, goodEventId), subscribersOf("LinkCreated")), "the next event to pass everywhere");
    const dead = await eventually(
      async () => {
        const list = await deliveries(team, badEventId);
        return list.find((d) => d.subscriber === "analytics" && d.status === "dead");
      },
      "the analytics delivery to end dead",
      90_000,
    );
    expect(dead.lastError).toBe(`injected fault (${marker})`);
    expect(dead.attempts).toBeGreaterThan(1);
    const others = (await deliveries(team, badEventId)).filter((d) => d.subscriber !== "analytics");
    expect(
      allDelivered(
        others,
        subscribersOf("LinkCreated").filter((s) => s !== "analytics"),
      ),
    ).toBe(true);

    type Letters = { data: { id: string; eventId: string | null; subscriber: string; lastError: string | null; redrivenAt: string | null }[] };
    const letters = await api.admin<Letters>("GET", "/v1/admin/dead-letters?subscriber=analytics");
    const letter = letters.data.find((l) => l.eventId === badEventId);
    expect(letter).toMatchObject({ subscriber: "analytics", lastError: `injected fault (${marker})`, redrivenAt: null });

    const redrive = await api.admin<{ redriven: number }>("POST", "/v1/admin/dead-letters/redrive", { subscriber: "analytics", ids: [letter?.id] });
    expect(redrive.redriven).toBe(1);
    // The fault is still there, so the redriven event dies again: a second dead letter for the same event.
    await eventually(
      async () => {
        const again = await api.admin<Letters>("GET", "/v1/admin/dead-letters?subscriber=analytics");
        const forEvent = again.data.filter((l) => l.eventId === badEventId);
        return forEvent.length === 2 && forEvent.some((l) => l.redrivenAt !== null);
      },
      "the redriven event to come back to the dead-letter queue",
      90_000,
    );
    // Two runs through every retry (11 attempts each) and the dead-letter queue.
  }, 240_000);
});
