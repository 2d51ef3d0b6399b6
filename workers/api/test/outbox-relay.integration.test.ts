import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { linksDb } from "../src/db";
import worker from "../src/index";
import { RELAY_BATCH_SIZE, RELAY_MIN_AGE_MS, relayUnpublishedEvents } from "../src/outbox/relay";
import {
  createTeam,
  eventRowsFor,
  eventRowsOfTeam,
  fetchWithQueue,
  json,
  receivedEvents,
  throwingQueue,
  waitForEvents,
  type EventRowView,
  type LinkBody,
  type TestTeam,
} from "./helpers";

/** Creates links whose events the queue refused: they sit in the outbox, unpublished. */
async function unpublishedLinks(team: TestTeam, count: number): Promise<LinkBody[]> {
  const created: LinkBody[] = [];
  for (let offset = 0; offset < count; offset += 100) {
    const links = Array.from({ length: Math.min(100, count - offset) }, (_, i) => ({ url: `https://example.com/outbox/${offset + i}` }));
    const res = await fetchWithQueue(throwingQueue("queue refused the bulk"), "/v1/links/bulk", json({ links }, team.auth));
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: { ok: boolean; link?: LinkBody }[] };
    for (const r of results) if (r.link) created.push(r.link);
  }
  expect(created).toHaveLength(count);
  return created;
}

async function oneUnpublished(team: TestTeam): Promise<EventRowView> {
  const [link] = await unpublishedLinks(team, 1);
  const [row] = await eventRowsFor(link?.id ?? "");
  if (!row) throw new Error("no event row");
  expect(row).toMatchObject({ published_at: null, send_attempts: 1 });
  return row;
}

const db = () => linksDb(env.LINKS_DB);
const ageOf = (row: EventRowView, ms: number) => new Date(Date.parse(row.created_at) + ms);

/** The real queue, with the size of every batch it was handed written down (every message still goes through). */
function countingQueue(sizes: number[]): Queue {
  return {
    send: (body: unknown, options?: QueueSendOptions) => {
      sizes.push(1);
      return env.LINK_EVENTS.send(body, options);
    },
    sendBatch: (messages: Iterable<MessageSendRequest>, options?: QueueSendBatchOptions) => {
      const list = [...messages];
      sizes.push(list.length);
      return env.LINK_EVENTS.sendBatch(list, options);
    },
  } as Queue;
}

describe("outbox relay", () => {
  it("only picks events older than its minimum age", async () => {
    const team = await createTeam();
    const row = await oneUnpublished(team);

    await relayUnpublishedEvents(env.LINK_EVENTS, db(), ageOf(row, RELAY_MIN_AGE_MS - 1));
    expect((await eventRowsFor(row.subject))[0]).toMatchObject({ published_at: null, send_attempts: 1 });
    expect((await receivedEvents()).some((e) => e.id === row.id)).toBe(false);

    await relayUnpublishedEvents(env.LINK_EVENTS, db(), ageOf(row, RELAY_MIN_AGE_MS));
    await waitForEvents((e) => e.id === row.id);
    expect((await eventRowsFor(row.subject))[0]).toMatchObject({ published_at: expect.any(String), send_attempts: 2 });
  });

  it("leaves events unpublished and records the error when its sendBatch throws, then a later run sends them", async () => {
    const team = await createTeam();
    const row = await oneUnpublished(team);

    const failed = await relayUnpublishedEvents(throwingQueue("relay could not reach the queue"), db(), ageOf(row, RELAY_MIN_AGE_MS));
    expect(failed.sent).toBe(0);
    expect(failed.failed).toBeGreaterThanOrEqual(1);
    expect((await eventRowsFor(row.subject))[0]).toMatchObject({
      published_at: null,
      send_attempts: 2,
      last_send_error: expect.stringContaining("relay could not reach the queue"),
    });
    expect((await receivedEvents()).some((e) => e.id === row.id)).toBe(false);

    const ok = await relayUnpublishedEvents(env.LINK_EVENTS, db(), ageOf(row, RELAY_MIN_AGE_MS));
    expect(ok.failed).toBe(0);
    await waitForEvents((e) => e.id === row.id);
    expect((await eventRowsFor(row.subject))[0]).toMatchObject({ published_at: expect.any(String), send_attempts: 3 });
  });

  it("sends more than 100 events in batches of at most 100, and marks every one", async () => {
    // Pro: 230 new links in a few seconds are over the free plan's 120 a minute.
    const team = await createTeam("Relay", "pro");
    const links = await unpublishedLinks(team, 230);
    const rows = await eventRowsOfTeam(team.id);
    expect(rows).toHaveLength(230);
    expect(rows.every((r) => r.published_at === null && r.send_attempts === 1 && r.last_send_error !== null)).toBe(true);

    const newest = rows.reduce((a, b) => (a.created_at > b.created_at ? a : b));
    const sizes: number[] = [];
    const result = await relayUnpublishedEvents(countingQueue(sizes), db(), ageOf(newest, RELAY_MIN_AGE_MS));
    expect(result.failed).toBe(0);
    expect(result.sent).toBeGreaterThanOrEqual(230);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(RELAY_BATCH_SIZE);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(result.sent);

    const after = await eventRowsOfTeam(team.id);
    expect(after.filter((r) => r.published_at === null)).toEqual([]);
    expect(after.every((r) => r.send_attempts === 2)).toBe(true);
    const ids = new Set(links.map((l) => l.id));
    const received = await waitForEvents((e) => e.type === "LinkCreated" && ids.has(e.subject), 230);
    expect(new Set(received.map((e) => e.id)).size).toBe(230);
  });

  it("runs from the Worker's scheduled handler (the cron)", async () => {
    const team = await createTeam();
    const row = await oneUnpublished(team);
    // The handler awaits the relay itself (it takes no ExecutionContext).
    await worker.scheduled(createScheduledController({ scheduledTime: ageOf(row, RELAY_MIN_AGE_MS), cron: "* * * * *" }), env);
    const [received] = await waitForEvents((e) => e.id === row.id);
    expect(received).toEqual(JSON.parse(row.envelope));
    expect((await eventRowsFor(row.subject))[0]?.published_at).not.toBeNull();
  });

  it("has nothing to do when everything is published", async () => {
    const now = new Date(Date.now() + 24 * 3600_000);
    await relayUnpublishedEvents(env.LINK_EVENTS, db(), now);
    const result = await relayUnpublishedEvents(env.LINK_EVENTS, db(), now);
    expect(result).toEqual({ sent: 0, failed: 0 });
  });
});
