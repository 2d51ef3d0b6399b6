import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it, vi } from "vitest";
import { clicksRecordedV1, linkClickedV2, nthEventIdAfter, type ClicksRecorded, type HumanClickTuple } from "#events";
import { sampleEvents } from "#events/samples";
import type { DeliveryMessage } from "../src/delivery-message";
import { planDeliveries } from "../src/event-deliveries";
import { webhookBody } from "../src/event-names";
import { createEndpoint, deliveriesOf, publish, received, teamId } from "./helpers";
import type { ReceivedRequest } from "./outbound";

// link.clicked from ClicksRecorded batches, through the real queues: webhook-events (the
// toolkit) → one delivery row and message per human click of a subscribed team →
// webhook-deliveries → signed HTTP requests to the endpoints of test/outbound.ts.

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const randomUlidTail = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => CROCKFORD[b % 32]).join("");
const linkId = () => `lnk_01JH${randomUlidTail(22)}`;
const AGENT = sampleEvents["LinkClicked.v1"].data.userAgent;

interface Link {
  linkId: string;
  teamId: string;
  slug: string;
}
/** A click as the api packs it: [link, ms after from, country, referrer, agent] (dictionaries are built from the values). */
type Click = [Link, number, string | null, string | null, string | null];

/** A ClicksRecorded v1 batch of these human clicks and bot counts, checked by its schema. */
function clickBatch(clicks: Click[], bots: [Link, number, number][] = []): ClicksRecorded {
  const links = [...new Set([...clicks.map((c) => c[0]), ...bots.map((b) => b[0])])];
  const referrers = [...new Set(clicks.flatMap((c) => (c[3] === null ? [] : [c[3]])))];
  const agents = [...new Set(clicks.flatMap((c) => (c[4] === null ? [] : [c[4]])))];
  const hex = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join("");
  const from = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + 3_600_000);
  const span = Math.max(0, ...clicks.map((c) => c[1]));
  return clicksRecordedV1.parse({
    id: `evt_01JK${randomUlidTail(22)}`,
    type: "ClicksRecorded",
    version: 1,
    occurredAt: new Date(from.getTime() + span).toISOString(),
    teamId: "team_00000000000000000000000000",
    subject: "clicks",
    traceId: hex(16),
    data: {
      from: from.toISOString(),
      to: new Date(from.getTime() + span).toISOString(),
      links,
      agents,
      referrers,
      clicks: clicks.map(([link, offset, country, referrer, agent]): HumanClickTuple => [
        links.indexOf(link),
        offset,
        hex(16),
        country,
        referrer === null ? -1 : referrers.indexOf(referrer),
        agent === null ? -1 : agents.indexOf(agent),
        hex(16),
      ]),
      bots: bots.map(([link, b, h]) => [links.indexOf(link), b, h]),
    },
  });
}

/**
 * The LinkClicked the click at `index` of the v1 batch would have been on its own, checked by
 * its schema: what its link.clicked webhook carried before clicks were batched, then v2's
 * trigger and rule (a v1 batch's click came through the link and matched no rule).
 */
function linkClickedAt(batch: ClicksRecorded, index: number, eventId: string) {
  const [link, offset, traceId, country, referrer, agent, visitorHash] = batch.data.clicks[index] ?? [];
  const target = batch.data.links[link ?? -1];
  return linkClickedV2.parse({
    id: eventId,
    type: "LinkClicked",
    version: 2,
    occurredAt: new Date(Date.parse(batch.data.from) + (offset ?? 0)).toISOString(),
    teamId: target?.teamId,
    subject: target?.linkId,
    traceId,
    data: {
      linkId: target?.linkId,
      slug: target?.slug,
      method: "GET",
      country,
      referrerHost: referrer === -1 ? null : batch.data.referrers[referrer ?? -1],
      userAgent: agent === -1 ? null : batch.data.agents[agent ?? -1],
      bot: false,
      visitorHash,
      trigger: "link",
      rule: null,
    },
  });
}

async function waitForCount(pathPrefix: string, count: number, timeout = 20_000): Promise<ReceivedRequest[]> {
  return vi.waitUntil(
    async () => {
      const list = await received(pathPrefix);
      return list.length >= count ? list : false;
    },
    { timeout, interval: 100 },
  );
}

/** The real delivery queue, counting what goes through it (every call reaches the binding). */
function countingQueue() {
  const batches: number[] = [];
  const queue = {
    metrics: () => env.WEBHOOK_DELIVERIES.metrics(),
    send: (body: DeliveryMessage, options?: QueueSendOptions) => env.WEBHOOK_DELIVERIES.send(body, options),
    sendBatch: (messages: Iterable<MessageSendRequest<DeliveryMessage>>, options?: QueueSendBatchOptions) => {
      const list = [...messages];
      batches.push(list.length);
      return env.WEBHOOK_DELIVERIES.sendBatch(list, options);
    },
  } satisfies Queue<DeliveryMessage>;
  return { queue, batches };
}

/** The real webhooks D1, keeping the SQL of every statement prepared on it. */
function recordingDb() {
  const sql: string[] = [];
  const db = new Proxy(env.WEBHOOKS_DB, {
    get(target, prop) {
      if (prop === "prepare") {
        return (query: string) => {
          sql.push(query);
          return target.prepare(query);
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { db, sql };
}

async function deliveryRowCount(teams: string[]): Promise<number> {
  const row = await env.WEBHOOKS_DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE team_id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(teams))
    .first<{ n: number }>();
  return row?.n ?? -1;
}

describe("link.clicked from ClicksRecorded batches", () => {
  it("sends one signed link.clicked per human click of a subscribed team, with the body its LinkClicked would have had", async () => {
    const subscribed = teamId();
    const other = teamId();
    const clicksEndpoint = await createEndpoint(subscribed, "https://hooks.example.com/ok/batch-sub-clicks", ["link.clicked"]);
    const createdEndpoint = await createEndpoint(subscribed, "https://hooks.example.com/ok/batch-sub-created", ["link.created"]);
    const otherEndpoint = await createEndpoint(other, "https://hooks.example.com/ok/batch-other", ["link.created"]);
    const a1 = { linkId: linkId(), teamId: subscribed, slug: "launch" };
    const a2 = { linkId: linkId(), teamId: subscribed, slug: "docs" };
    const b1 = { linkId: linkId(), teamId: other, slug: "promo" };
    const batch = clickBatch(
      [
        [a1, 0, "DE", "news.ycombinator.com", AGENT],
        [b1, 120, "FR", "example.org", AGENT],
        [a2, 300, null, null, null],
        [b1, 410, null, null, "curl/8.5"],
        [a1, 850, "US", "example.org", "curl/8.5"],
      ],
      [
        [a1, 3, 1],
        [b1, 2, 0],
      ],
    );
    await publish([batch]);

    const got = await waitForCount("/ok/batch-sub-clicks", 3);
    // Each click's id is the batch id plus its position (1-based), as the contract derives it.
    const expected = [0, 2, 4].map((index) => linkClickedAt(batch, index, nthEventIdAfter(batch.id, index + 1)));
    expect(got.map((r) => r.headers["webhook-id"]).sort()).toEqual(expected.map((e) => e.id).sort());
    for (const event of expected) {
      const request = got.find((r) => r.headers["webhook-id"] === event.id);
      expect(request?.body).toBe(webhookBody(event));
      expect(new Webhook(clicksEndpoint.secret).verify(request?.body ?? "", request?.headers ?? {})).toEqual({
        type: "link.clicked",
        timestamp: event.occurredAt,
        data: event.data,
      });
    }
    const bodies = got.map((r) => JSON.parse(r.body) as { data: { bot: boolean; method: string } });
    expect(bodies.every((b) => b.data.bot === false && b.data.method === "GET")).toBe(true);
    expect((await deliveriesOf(subscribed, clicksEndpoint.id)).every((d) => d.eventType === "link.clicked")).toBe(true);

    // The bot counts made nothing, nor did the other team's clicks or the link.created-only endpoint.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await received("/ok/batch-sub-clicks")).toHaveLength(3);
    expect(await deliveriesOf(subscribed, createdEndpoint.id)).toEqual([]);
    expect(await deliveriesOf(other, otherEndpoint.id)).toEqual([]);
    expect(await received("/ok/batch-sub-created")).toEqual([]);
    expect(await received("/ok/batch-other")).toEqual([]);
  });

  it("writes no delivery row and sends no message for a batch of teams without a link.clicked endpoint", async () => {
    const createdOnly = teamId();
    const none = teamId();
    await createEndpoint(createdOnly, "https://hooks.example.com/ok/batch-quiet", ["link.created", "link.updated"]);
    const l1 = { linkId: linkId(), teamId: createdOnly, slug: "quiet" };
    const l2 = { linkId: linkId(), teamId: none, slug: "silent" };
    const batch = clickBatch(
      [
        [l1, 0, "DE", null, AGENT],
        [l2, 5, null, null, null],
        [l1, 9, "NL", "example.org", null],
      ],
      [[l2, 7, 2]],
    );
    const { queue, batches } = countingQueue();
    const { db, sql } = recordingDb();
    expect(await planDeliveries([batch], db, queue)).toEqual({ statements: [] });
    expect(batches).toEqual([]);
    // One lookup of the batch's teams' endpoints, by the team index.
    expect(sql).toHaveLength(1);
    const plan = await env.WEBHOOKS_DB.prepare(`EXPLAIN QUERY PLAN ${sql[0] ?? ""}`)
      .bind(JSON.stringify([createdOnly, none]))
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join("\n")).toContain("webhook_endpoints_team_idx");
    // A batch of bot counts only looks nothing up.
    const botsOnly = recordingDb();
    expect(await planDeliveries([clickBatch([], [[l1, 4, 1]])], botsOnly.db, queue)).toEqual({ statements: [] });
    expect(botsOnly.sql).toEqual([]);

    await publish([batch]);
    expect(await deliveryRowCount([createdOnly, none])).toBe(0);
    expect(await received("/ok/batch-quiet")).toEqual([]);
  });

  it("makes one delivery per click however often the batch arrives, with the same webhook-id", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/batch-again", ["link.clicked"]);
    const link = { linkId: linkId(), teamId: team, slug: "again" };
    const batch = clickBatch([
      [link, 0, "DE", null, AGENT],
      [link, 40, "IT", "example.org", AGENT],
    ]);
    await publish([batch, batch]);
    const first = await waitForCount("/ok/batch-again", 2);
    await publish([batch]);
    // The receipt lost (a batch handed over again before its commit): the click ids are the same, so the rows are.
    await env.WEBHOOKS_DB.prepare("DELETE FROM consumer_receipts WHERE consumer = 'webhooks' AND event_id = ?").bind(batch.id).run();
    await publish([structuredClone(batch)]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const deliveries = await deliveriesOf(team, endpoint.id);
    expect(deliveries).toHaveLength(2);
    expect(deliveries.every((d) => d.status === "delivered" && d.attempts === 1)).toBe(true);
    const all = await received("/ok/batch-again");
    expect(all).toHaveLength(2);
    expect(new Set(all.map((r) => r.headers["webhook-id"]))).toEqual(new Set(first.map((r) => r.headers["webhook-id"])));
    expect(new Set(all.map((r) => r.headers["webhook-id"]))).toEqual(new Set(deliveries.map((d) => d.eventId)));
  });

  it("chunks a batch of 500 clicks into messages of at most 100 and rows within D1's bound parameter size", async () => {
    const team = teamId();
    const endpoint = await createEndpoint(team, "https://hooks.example.com/ok/batch-large", ["link.clicked"]);
    const links = Array.from({ length: 20 }, (_, i) => ({ linkId: linkId(), teamId: team, slug: `big-${i}` }));
    // Long agents (the schema's 512 characters) make the rows outgrow one INSERT's bound JSON.
    const agents = Array.from({ length: 50 }, (_, i) => `Mozilla/5.0 (agent ${i}) ${"x".repeat(480)}`);
    const clicks = Array.from({ length: 500 }, (_, i): Click => [
      links[i % 20] ?? links[0] ?? { linkId: "", teamId: team, slug: "" },
      i,
      i % 3 === 0 ? null : "DE",
      i % 2 === 0 ? "example.org" : null,
      agents[i % 50] ?? null,
    ]);
    const batch = clickBatch(clicks, [[links[0] ?? { linkId: "", teamId: team, slug: "" }, 40, 10]]);
    expect(JSON.stringify(batch).length).toBeLessThan(128_000);

    const { queue, batches } = countingQueue();
    const { statements, beforeCommit } = await planDeliveries([batch], env.WEBHOOKS_DB, queue);
    // Planning sends nothing: the messages go when the toolkit runs beforeCommit.
    expect(batches).toEqual([]);
    await beforeCommit?.();
    expect(batches).toEqual([100, 100, 100, 100, 100]);
    expect(statements.length).toBeGreaterThan(1);
    await env.WEBHOOKS_DB.batch(statements);
    expect(await deliveryRowCount([team])).toBe(500);

    const got = await waitForCount("/ok/batch-large", 500, 90_000);
    expect(new Set(got.map((r) => r.headers["webhook-id"])).size).toBe(500);
    const bodies = got.map((r) => JSON.parse(r.body) as { type: string; data: { linkId: string; userAgent: string } });
    expect(bodies.every((b) => b.type === "link.clicked")).toBe(true);
    expect(new Set(bodies.map((b) => b.data.linkId)).size).toBe(20);
    const delivered = () =>
      env.WEBHOOKS_DB.prepare("SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint_id = ? AND status = 'delivered' AND attempts = 1")
        .bind(endpoint.id)
        .first<{ n: number }>();
    await vi.waitUntil(async () => (await delivered())?.n === 500, { timeout: 20_000, interval: 100 });
  }, 120_000);
});
