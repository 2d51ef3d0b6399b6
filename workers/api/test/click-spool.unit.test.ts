import { env } from "cloudflare:test";
import { ulid } from "ulid";
import { describe, expect, it } from "vitest";
import { clicksRecordedV1, type ClicksRecorded } from "#events";
import { sampleEvents } from "#events/samples";
import { replayChunks } from "../src/admin/click-reconciler";
import { configOf } from "../src/config";
import { countsOfBatch, spooledBatchOf, spooledCountsOf, spoolKeyOf } from "../src/redirect/click-spool";
import { withInlineRetries } from "../src/redirect/inline-retry";

const sample = clicksRecordedV1.parse(sampleEvents["ClicksRecorded.v1"]);

describe("withInlineRetries", () => {
  /** An attempt that fails `failures` times, then answers; and the waits it was given. */
  function flaky(failures: number) {
    let calls = 0;
    const waits: number[] = [];
    const attempt = async () => {
      calls++;
      if (calls <= failures) throw new Error(`failure ${calls}`);
      return "ok";
    };
    const sleep = async (ms: number) => {
      waits.push(ms);
    };
    return { attempt, sleep, waits, calls: () => calls };
  }

  it("answers the first success, after waiting the delays before each retry", async () => {
    const once = flaky(1);
    expect(await withInlineRetries(once.attempt, [100, 400], once.sleep)).toEqual({ ok: true, value: "ok", attempts: 2 });
    expect(once.waits).toEqual([100]);
    expect(once.calls()).toBe(2);

    const never = flaky(0);
    expect(await withInlineRetries(never.attempt, [100, 400], never.sleep)).toEqual({ ok: true, value: "ok", attempts: 1 });
    expect(never.waits).toEqual([]);
  });

  it("gives up after one try per delay plus one, with the last error, never throwing", async () => {
    const down = flaky(10);
    const tried = await withInlineRetries(down.attempt, [100, 400], down.sleep);
    expect(tried.ok).toBe(false);
    expect(tried.attempts).toBe(3);
    expect(!tried.ok && tried.error instanceof Error ? tried.error.message : null).toBe("failure 3");
    expect(down.waits).toEqual([100, 400]);
  });
});

describe("spool keys and metadata", () => {
  it("keys a batch by its id, so keys sort by time and carry it", () => {
    const at = Date.parse("2026-11-27T12:00:00Z");
    const id = `evt_${ulid(at)}`;
    expect(spoolKeyOf(id)).toBe(`batches/${id}`);
    expect(spooledBatchOf(spoolKeyOf(id))).toEqual({ id, at });
    const later = `evt_${ulid(at + 1)}`;
    expect(spoolKeyOf(id) < spoolKeyOf(later)).toBe(true);
  });

  it("refuses keys the spool never writes", () => {
    for (const key of [
      "batches/evt_nope",
      "other/evt_01JDQ8YX0Q4RZ8K2D5F7G9H1AA",
      "batches/lnk_01JDQ8YX0Q4RZ8K2D5F7G9H1AA",
      "batches/evt_01JDQ8YX0Q4RZ8K2D5F7G9H1AA/x",
    ]) {
      expect(spooledBatchOf(key), key).toBeNull();
    }
  });

  it("reads back the counts it writes, and nothing else", () => {
    const counts = countsOfBatch(sample);
    expect(counts).toEqual({
      day: sample.data.from.slice(0, 10),
      clicks: sample.data.clicks.length,
      bots: expect.any(Number),
      heads: expect.any(Number),
      links: sample.data.links.length,
    });
    const asMetadata = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, String(v)]));
    expect(spooledCountsOf(asMetadata)).toEqual(counts);
    expect(spooledCountsOf(undefined)).toBeNull();
    expect(spooledCountsOf({ ...asMetadata, clicks: "-1" })).toBeNull();
    expect(spooledCountsOf({ ...asMetadata, day: "yesterday" })).toBeNull();
  });
});

describe("replayChunks", () => {
  const batch = (n: number): ClicksRecorded => ({ ...sample, id: `evt_${ulid(1_700_000_000_000 + n)}` });

  it("keeps each replay call under 100 envelopes and about 1 MB", () => {
    const small = Array.from({ length: 250 }, (_, i) => ({ envelope: batch(i), bytes: 1_000 }));
    expect(replayChunks(small).map((c) => c.length)).toEqual([100, 100, 50]);
    const big = Array.from({ length: 25 }, (_, i) => ({ envelope: batch(i), bytes: 100_000 }));
    expect(replayChunks(big).map((c) => c.length)).toEqual([10, 10, 5]);
    expect(replayChunks([]).length).toBe(0);
    expect(
      replayChunks(big)
        .flat()
        .map((e) => e.id),
    ).toEqual(big.map((b) => b.envelope.id));
  });
});

describe("CLICK_SPOOL_MAX_AGE_HOURS", () => {
  it("is 72 hours by default, whole hours up to the ledger's shortest retention, and longer than grace plus stale age", () => {
    expect(configOf(env).CLICK_SPOOL_MAX_AGE_HOURS).toBe(72);
    expect(configOf({ ...env, CLICK_SPOOL_MAX_AGE_HOURS: "96" } as ApiEnv).CLICK_SPOOL_MAX_AGE_HOURS).toBe(96);
    expect(() => configOf({ ...env, CLICK_SPOOL_MAX_AGE_HOURS: "97" } as ApiEnv)).toThrow(/CLICK_SPOOL_MAX_AGE_HOURS/);
    expect(() => configOf({ ...env, CLICK_SPOOL_MAX_AGE_HOURS: "1.5" } as ApiEnv)).toThrow(/CLICK_SPOOL_MAX_AGE_HOURS/);
    expect(() => configOf({ ...env, CLICK_SPOOL_MAX_AGE_HOURS: "1", RECONCILE_GRACE_SECONDS: "3600" } as ApiEnv)).toThrow(
      /longer than RECONCILE_GRACE_SECONDS/,
    );
  });
});
