import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LinkClickCap } from "../../../durable-objects/link-click-cap/link-click-cap";
import { newId } from "../../shared/ids";

function capOf(linkId: string) {
  return env.LINK_CLICK_CAP.get(env.LINK_CLICK_CAP.idFromName(linkId));
}

describe("LinkClickCap", () => {
  it("counts uses while fewer than max were counted, then refuses without counting", async () => {
    const cap = capOf(newId("lnk"));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await cap.take(3));
    expect(answers).toEqual([
      { allowed: true, used: 1 },
      { allowed: true, used: 2 },
      { allowed: true, used: 3 },
      { allowed: false, used: 3 },
    ]);
    expect(await cap.peek(3)).toEqual({ allowed: false, used: 3 });
  });

  it("lets exactly max of many concurrent takes through", async () => {
    const cap = capOf(newId("lnk"));
    const answers = await Promise.all(Array.from({ length: 40 }, () => cap.take(7)));
    expect(answers.filter((a) => a.allowed)).toHaveLength(7);
    expect(
      answers
        .filter((a) => a.allowed)
        .map((a) => a.used)
        .sort((a, b) => a - b),
    ).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(answers.filter((a) => !a.allowed).every((a) => a.used === 7)).toBe(true);
  });

  it("compares with the max each call passes: a higher one re-opens, a lower one refuses", async () => {
    const cap = capOf(newId("lnk"));
    await cap.take(2);
    await cap.take(2);
    expect(await cap.take(2)).toEqual({ allowed: false, used: 2 });
    expect(await cap.take(3)).toEqual({ allowed: true, used: 3 });
    expect(await cap.take(1)).toEqual({ allowed: false, used: 3 });
  });

  it("peeks without counting", async () => {
    const cap = capOf(newId("lnk"));
    for (let i = 0; i < 5; i++) expect(await cap.peek(1)).toEqual({ allowed: true, used: 0 });
    expect(await cap.take(1)).toEqual({ allowed: true, used: 1 });
    expect(await cap.peek(1)).toEqual({ allowed: false, used: 1 });
    expect(await cap.peek(2)).toEqual({ allowed: true, used: 1 });
  });

  it("refuses a max that is not an integer from 1 to 1,000,000,000, counting nothing", async () => {
    const cap = capOf(newId("lnk"));
    await runInDurableObject(cap, (instance: LinkClickCap) => {
      for (const bad of [0, -1, 1.5, 1_000_000_001, "3", null, Number.NaN]) {
        expect(() => instance.take(bad)).toThrow(/^LinkClickCap.take: invalid max/);
        expect(() => instance.peek(bad)).toThrow(/^LinkClickCap.peek: invalid max/);
      }
    });
    expect(await cap.peek(1)).toEqual({ allowed: true, used: 0 });
  });

  it("keeps the count in its SQLite storage, one row", async () => {
    const linkId = newId("lnk");
    await capOf(linkId).take(10);
    await capOf(linkId).take(10);
    await runInDurableObject(capOf(linkId), (instance, state) => {
      expect(instance).toBeInstanceOf(LinkClickCap);
      expect(state.storage.sql.exec("SELECT id, used FROM click_cap").toArray()).toEqual([{ id: 1, used: 2 }]);
    });
  });
});
