// The click reconciler's sweep of the spool: its maximum age, unreadable objects, bounded pages.
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { clicksRecordedV1, type ClicksRecorded } from "#events";
import { sampleEvents } from "#events/samples";
import { newId } from "../../shared/ids";
import { countsOfBatch, spoolBatch, spoolKeyOf } from "../src/redirect/click-spool";
import { createLink, receivedClickBatches } from "./helpers";
import {
  HOUR,
  MINUTE,
  allDelivered,
  clickBatchOf,
  clicksState,
  cronAt,
  dropRows,
  lastRun,
  resetClickSpool,
  setDeliveries,
  spooledIds,
  teamOnce,
} from "./click-spool-support";

describe("the click spool's sweep", () => {
  beforeEach(resetClickSpool);

  it("deletes batches past CLICK_SPOOL_MAX_AGE_HOURS: dropped and counted when a subscriber never finished them, cleared when all did", async () => {
    const t = await teamOnce();
    const unfinished = await clickBatchOf(await createLink(t, { url: "https://example.com/expired" }));
    const finished = await clickBatchOf(await createLink(t, { url: "https://example.com/expired-but-done" }));
    await setDeliveries(finished, allDelivered());
    await setDeliveries(unfinished, { analytics: "delivered" });

    // Just before the limit the unfinished one is sent again, not given up.
    await cronAt(Date.now() + 71 * HOUR);
    expect(await lastRun()).toMatchObject({ checked: 2, cleared: 1, expired: 0, kept: 1, resent: 2 });
    expect(await spooledIds()).toEqual([unfinished]);

    await cronAt(Date.now() + 73 * HOUR);
    expect(await lastRun()).toMatchObject({ checked: 1, cleared: 0, expired: 1, resent: 0 });
    expect(await spooledIds()).toEqual([]);
    const day = (await receivedClickBatches()).find((b) => b.id === unfinished)?.data.from.slice(0, 10);
    expect(await dropRows()).toEqual([{ day, reason: "expired", batches: 1, clicks: 1, bots: 0, heads: 0 }]);
    expect((await clicksState()).dropped.byReason.expired).toEqual({ batches: 1, clicks: 1, bots: 0, heads: 0 });
  });

  it("honours a shorter CLICK_SPOOL_MAX_AGE_HOURS", async () => {
    const batchId = await clickBatchOf(await createLink(await teamOnce(), { url: "https://example.com/short-limit" }));
    await cronAt(Date.now() + 3 * HOUR, { CLICK_SPOOL_MAX_AGE_HOURS: "2" });
    expect(await lastRun()).toMatchObject({ checked: 1, expired: 1, resent: 0 });
    expect(await spooledIds()).not.toContain(batchId);
  });

  it("drops and counts an object in the spool that is not a batch", async () => {
    const id = newId("evt");
    await env.CLICK_SPOOL.put(spoolKeyOf(id), "not a batch", { customMetadata: { day: "2026-11-27", clicks: "3", bots: "1", heads: "0", links: "1" } });
    await cronAt(Date.now() + 3 * MINUTE);
    expect(await lastRun()).toMatchObject({ checked: 1, resent: 0, kept: 0 });
    expect(await spooledIds()).toEqual([]);
    expect(await dropRows()).toEqual([{ day: "2026-11-27", reason: "unreadable", batches: 1, clicks: 3, bots: 1, heads: 0 }]);
  });

  it("checks the spool in bounded pages, keeps its place between runs, and starts from the oldest after a sweep", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const batch = clicksRecordedV1.parse({ ...sampleEvents["ClicksRecorded.v1"], id: newId("evt") });
      await spoolBatch(env.CLICK_SPOOL, batch, countsOfBatch(batch));
      await setDeliveries(batch.id, allDelivered());
      ids.push(batch.id);
    }
    // The oldest is still pending (fresh) at one subscriber: kept.
    await setDeliveries(ids[0] ?? "", { analytics: "pending" });
    const small = { RECONCILE_PAGE_SIZE: "2", RECONCILE_PAGES_PER_RUN: "1" };
    const at = Date.now() + 3 * MINUTE;

    await cronAt(at, small);
    expect(await clicksState()).toMatchObject({ cursor: spoolKeyOf(ids[1] ?? ""), sweeps: 0, lastRun: { checked: 2, kept: 1, cleared: 1 } });
    await cronAt(at, small);
    expect(await clicksState()).toMatchObject({ cursor: spoolKeyOf(ids[3] ?? ""), sweeps: 0, lastRun: { checked: 2, kept: 0, cleared: 2 } });
    await cronAt(at, small);
    expect(await clicksState()).toMatchObject({ cursor: null, sweeps: 1, lastRun: { checked: 1, cleared: 1 } });
    expect(await spooledIds()).toEqual([ids[0]]);
    // A new sweep: the kept one is checked again, and goes once delivered.
    await setDeliveries(ids[0] ?? "", { analytics: "delivered" });
    await cronAt(at, small);
    expect(await clicksState()).toMatchObject({ cursor: null, sweeps: 2, lastRun: { checked: 1, cleared: 1 }, totals: { checked: 6, cleared: 5 } });
    expect(await spooledIds()).toEqual([]);
  });
});
