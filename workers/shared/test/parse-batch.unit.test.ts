import { describe, expect, it } from "vitest";
import { firstOfEachEvent, parseBatch } from "../consumer/parse-batch";
import { eventNumbered, messagesOf as messagesOn } from "./step-items";

const event = (n: number) => eventNumbered("01JP", n);
const messagesOf = (bodies: unknown[]) => messagesOn("p", bodies);
const noChaos = () => null;

describe("parseBatch", () => {
  it("gives each envelope its event, undecided, and each other body an invalid outcome naming the bad fields", () => {
    const [good, bad] = parseBatch(messagesOf([event(1), { id: 7 }]), noChaos);
    expect(good).toMatchObject({ event: { id: event(1).id } });
    expect(good?.outcome).toBeUndefined();
    expect(bad?.event).toBeUndefined();
    expect(bad?.outcome).toMatchObject({ kind: "invalid", reason: expect.stringMatching(/^invalid envelope: .*id/) });
  });

  it("gives every message the chaos failure, asked once per message, retried after 1 s", () => {
    let asked = 0;
    const items = parseBatch(messagesOf([event(2), "not an envelope"]), () => `failure ${++asked}`);
    expect(items.map((i) => i.outcome)).toEqual([
      { kind: "retry", error: "failure 1", delaySeconds: 1 },
      { kind: "retry", error: "failure 2", delaySeconds: 1 },
    ]);
  });
});

describe("firstOfEachEvent", () => {
  it("keeps the first of each event id and makes its repeats delivered duplicates", () => {
    const items = parseBatch(messagesOf([event(3), event(4), event(3), event(3)]), noChaos);
    const firsts = firstOfEachEvent(items);
    expect(firsts.map((i) => i.message.id)).toEqual(["p-0", "p-1"]);
    expect(items.map((i) => i.outcome)).toEqual([undefined, undefined, { kind: "delivered", duplicate: true }, { kind: "delivered", duplicate: true }]);
  });

  it("leaves out decided and unparsed items, and hands back the items themselves (a later outcome reaches settle)", () => {
    const items = parseBatch(messagesOf([event(5), "junk", event(6)]), noChaos);
    const [first] = items;
    if (first) first.outcome = { kind: "retry", error: "decided before" };
    const firsts = firstOfEachEvent(items);
    expect(firsts.map((i) => i.message.id)).toEqual(["p-2"]);
    const [only] = firsts;
    if (only) only.outcome = { kind: "delivered", duplicate: false };
    expect(items[2]?.outcome).toEqual({ kind: "delivered", duplicate: false });
  });
});
