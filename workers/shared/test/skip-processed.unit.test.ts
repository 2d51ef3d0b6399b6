import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { receiptStatement } from "../consumer/receipts";
import { skipProcessed } from "../consumer/skip-processed";
import { eventNumbered, itemsOf } from "./step-items";

const event = (n: number) => eventNumbered("01JS", n);

describe("skipProcessed", () => {
  it("makes an event with this consumer's receipt a delivered duplicate; another consumer's receipt is not this one's", async () => {
    const [done, fresh, otherConsumers] = [event(1), event(2), event(3)];
    await env.TOOLKIT_DB.batch([
      receiptStatement(env.TOOLKIT_DB, "analytics", [done.id], new Date().toISOString()),
      receiptStatement(env.TOOLKIT_DB, "billing", [otherConsumers.id], new Date().toISOString()),
    ]);
    const items = itemsOf([done, fresh, otherConsumers]);
    await skipProcessed(items, env.TOOLKIT_DB, "analytics");
    expect(items.map((i) => i.outcome)).toEqual([{ kind: "delivered", duplicate: true }, undefined, undefined]);
  });

  it("retries every item when the receipts cannot be read", async () => {
    const down = new Proxy(env.TOOLKIT_DB, {
      get(target, property) {
        if (property === "prepare") {
          return () => {
            throw new Error("D1 is down");
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const items = itemsOf([event(4), event(5)]);
    await skipProcessed(items, down, "analytics");
    expect(items.map((i) => i.outcome)).toEqual([
      { kind: "retry", error: expect.stringMatching(/^receipts unavailable: /) },
      { kind: "retry", error: expect.stringMatching(/^receipts unavailable: /) },
    ]);
  });
});
