import { afterAll, describe, expect, it } from "vitest";
import { createLink, createTeam, eventually } from "./client";
import { listen, type FeedListener } from "./feed-client";

// As many sockets as a pro team may have open (feedSockets, 200, in workers/api/src/limits/plan-limits.ts),
// less the one that resumes at the end: the 201st would be refused with 429.
const CLIENTS = 199;
const BURST = 100;

const opened: FeedListener[] = [];
afterAll(() => {
  for (const listener of opened) listener.close();
});

async function listenMany(...args: Parameters<typeof listen>): Promise<FeedListener> {
  const listener = await listen(...args);
  opened.push(listener);
  return listener;
}

describe("the live feed on the real stack", () => {
  it(`delivers every event of a ${BURST}-link burst to ${CLIENTS} clients of one team, in one order, none missing or repeated; another team's client gets none`, async () => {
    const [team, other] = [await createTeam("Live burst"), await createTeam("Bystander")];
    const clients: FeedListener[] = [];
    // A few at a time: each needs a token and an upgrade, and the stack runs on two cores.
    for (let i = 0; i < CLIENTS; i += 20) clients.push(...(await Promise.all(Array.from({ length: Math.min(20, CLIENTS - i) }, () => listenMany(team)))));
    const bystander = await listenMany(other);

    const links = await Promise.all(Array.from({ length: BURST }, (_, i) => createLink(team, { url: `https://example.com/burst/${i}` })));
    const linkIds = new Set(links.map((l) => l.id));

    await eventually(async () => clients.every((c) => c.events.length >= BURST), `all ${CLIENTS} clients to receive ${BURST} events`, 90_000);
    const order = clients[0]?.events.map((e) => e.id) ?? [];
    expect(new Set(order).size).toBe(BURST);
    for (const client of clients) {
      expect(client.events.map((e) => e.id)).toEqual(order);
      expect(client.events.every((e) => e.type === "LinkCreated" && e.teamId === team.id && linkIds.has(e.subject))).toBe(true);
      expect(client.others.filter((f) => f.type !== "ready")).toEqual([]);
    }
    expect(new Set(clients[0]?.events.map((e) => e.subject))).toEqual(linkIds);

    // The bystander's socket is live, and it saw only its own team's event.
    const own = await createLink(other, { url: "https://example.com/bystander" });
    await eventually(async () => bystander.events.length >= 1, "the other team's client to receive its own event");
    expect(bystander.events.map((e) => e.subject)).toEqual([own.id]);

    // A client resuming after the first event gets the rest in the same order.
    const resumed = await listenMany(team, order[0]);
    expect(resumed.events.map((e) => e.id)).toEqual(order.slice(1));
  });
});
