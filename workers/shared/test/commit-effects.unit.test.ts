import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { LinkEvent } from "#events";
import { D1_WRITE_FAILURE, d1WithWriteFaults } from "../chaos";
import { commitEffects } from "../consumer/commit-effects";
import type { CommitPlan } from "../consumer/consumer-spec";
import { eventNumbered, itemsOf } from "./step-items";

let seq = 0;
function event(subject: string): LinkEvent {
  seq += 1;
  return { ...eventNumbered("01JE", seq, "LinkClicked.v1"), subject };
}

/** One upsert per link for the whole set: an aggregated effect, as the consumers write theirs. */
function counts(events: LinkEvent[], db: D1Database): D1PreparedStatement[] {
  const perLink = new Map<string, number>();
  for (const e of events) perLink.set(e.subject, (perLink.get(e.subject) ?? 0) + 1);
  const upsert = "INSERT INTO link_counts (link_id, events) VALUES (?1, ?2) ON CONFLICT (link_id) DO UPDATE SET events = events + ?2";
  return [...perLink].map(([link, n]) => db.prepare(upsert).bind(link, n));
}

/** A plan of the counts whose beforeCommit is `before` of the planned events. */
function countsThen(before: (events: LinkEvent[]) => () => Promise<void>) {
  return (events: LinkEvent[], db: D1Database): CommitPlan => ({ statements: counts(events, db), beforeCommit: before(events) });
}

async function countOf(link: string): Promise<number | null> {
  const row = await env.TOOLKIT_DB.prepare("SELECT events FROM link_counts WHERE link_id = ?").bind(link).first<{ events: number }>();
  return row?.events ?? null;
}

async function hasReceipt(e: LinkEvent): Promise<boolean> {
  const row = await env.TOOLKIT_DB.prepare("SELECT 1 AS x FROM consumer_receipts WHERE consumer = 'analytics' AND event_id = ?").bind(e.id).first();
  return row !== null;
}

describe("commitEffects", () => {
  it("writes the aggregated effects and every receipt in one batch, and makes the items delivered", async () => {
    const link = "lnk_01JE0000000000000000000001";
    const events = [event(link), event(link)];
    const items = itemsOf(events);
    let plans = 0;
    await commitEffects(items, env.TOOLKIT_DB, "analytics", (evts, db) => ((plans += 1), counts(evts, db)), env);
    expect(plans).toBe(1);
    expect(await countOf(link)).toBe(2);
    for (const e of events) expect(await hasReceipt(e)).toBe(true);
    expect(items.map((i) => i.outcome)).toEqual([
      { kind: "delivered", duplicate: false },
      { kind: "delivered", duplicate: false },
    ]);
  });

  it("writes only receipts without an effect", async () => {
    const e = event("lnk_01JE0000000000000000000002");
    await commitEffects(itemsOf([e]), env.TOOLKIT_DB, "analytics", undefined, env);
    expect(await hasReceipt(e)).toBe(true);
    expect(await countOf(e.subject)).toBeNull();
  });

  it("commits each event alone when one poisons the aggregate: the others land, the poisoned one retries with no receipt", async () => {
    const [good, poison] = [event("lnk_01JE0000000000000000000003"), event("lnk_POISON_E0000000000000000")];
    const items = itemsOf([good, poison]);
    await commitEffects(items, env.TOOLKIT_DB, "analytics", counts, env);
    expect(items.map((i) => i.outcome?.kind)).toEqual(["delivered", "retry"]);
    expect(await countOf(good.subject)).toBe(1);
    expect(await hasReceipt(good)).toBe(true);
    expect(await hasReceipt(poison)).toBe(false);
  });

  it("runs a plan's beforeCommit before the batch, so nothing it announces is committed without it", async () => {
    const e = event("lnk_01JE0000000000000000000004");
    const seenBefore: { count: number | null; receipt: boolean }[] = [];
    const items = itemsOf([e]);
    const look = async () => void seenBefore.push({ count: await countOf(e.subject), receipt: await hasReceipt(e) });
    await commitEffects(
      items,
      env.TOOLKIT_DB,
      "analytics",
      countsThen(() => look),
      env,
    );
    expect(seenBefore).toEqual([{ count: null, receipt: false }]);
    expect(await countOf(e.subject)).toBe(1);
    expect(items[0]?.outcome).toEqual({ kind: "delivered", duplicate: false });
  });

  it("fails the commit when beforeCommit throws: nothing written, the event retries with its error", async () => {
    const e = event("lnk_01JE0000000000000000000005");
    const items = itemsOf([e]);
    await commitEffects(
      items,
      env.TOOLKIT_DB,
      "analytics",
      countsThen(() => () => Promise.reject(new Error("queue refused"))),
      env,
    );
    expect(items[0]?.outcome).toEqual({ kind: "retry", error: "queue refused" });
    expect(await countOf(e.subject)).toBeNull();
    expect(await hasReceipt(e)).toBe(false);
  });

  it("has run beforeCommit, for the set and again for each event alone, when the writes are refused (chaos D1)", async () => {
    const events = [event("lnk_01JE0000000000000000000006"), event("lnk_01JE0000000000000000000007")];
    const sent: string[][] = [];
    const hour = 3_600_000;
    const refusing = d1WithWriteFaults(env.TOOLKIT_DB, { from: new Date(Date.now() - hour), to: new Date(Date.now() + hour) });
    const items = itemsOf(events);
    await commitEffects(
      items,
      refusing,
      "analytics",
      countsThen((evts) => async () => void sent.push(evts.map((x) => x.id))),
      env,
    );
    expect(sent).toEqual([events.map((x) => x.id), [events[0]?.id], [events[1]?.id]]);
    expect(items.map((i) => i.outcome)).toEqual([
      { kind: "retry", error: D1_WRITE_FAILURE },
      { kind: "retry", error: D1_WRITE_FAILURE },
    ]);
    for (const x of events) expect(await hasReceipt(x)).toBe(false);
  });
});
