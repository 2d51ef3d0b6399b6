import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { perform, performBatch } from "../consumer/perform";
import { eventNumbered, itemsOf } from "./step-items";

const event = (n: number) => eventNumbered("01JQ", n);

describe("perform", () => {
  it("runs the effect for each item with the env, and retries only the one that threw, with its error", async () => {
    const seen: string[] = [];
    const items = itemsOf([event(1), event(2), event(3)]);
    await perform(
      items,
      async (e, passed: typeof env) => {
        expect(passed).toBe(env);
        seen.push(e.id);
        if (e.id === event(2).id) throw new Error("R2 refused");
      },
      env,
    );
    expect(seen).toEqual([event(1).id, event(2).id, event(3).id]);
    expect(items.map((i) => i.outcome)).toEqual([undefined, { kind: "retry", error: "R2 refused" }, undefined]);
  });
});

describe("performBatch", () => {
  it("hands all events to one call; retries the failed, makes the found-done duplicates, leaves the rest undecided", async () => {
    const calls: string[][] = [];
    const items = itemsOf([event(4), event(5), event(6)]);
    await performBatch(
      items,
      async (events) => {
        calls.push(events.map((e) => e.id));
        return { failed: [{ eventId: event(5).id, error: "team feed down" }], duplicates: [event(6).id] };
      },
      env,
    );
    expect(calls).toEqual([[event(4).id, event(5).id, event(6).id]]);
    expect(items.map((i) => i.outcome)).toEqual([undefined, { kind: "retry", error: "team feed down" }, { kind: "delivered", duplicate: true }]);
  });

  it("retries every item when the call throws, and makes no call for no items", async () => {
    const items = itemsOf([event(7), event(8)]);
    await performBatch(items, () => Promise.reject(new Error("RPC down")), env);
    expect(items.map((i) => i.outcome)).toEqual([
      { kind: "retry", error: "RPC down" },
      { kind: "retry", error: "RPC down" },
    ]);
    let called = false;
    await performBatch([], async () => ((called = true), { failed: [] }), env);
    expect(called).toBe(false);
  });
});
