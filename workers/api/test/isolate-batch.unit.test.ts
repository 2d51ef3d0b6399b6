import { describe, expect, it } from "vitest";
import { IsolateBatcher } from "../src/isolate-batch";

function recordingBatcher(maxItems: number, windowMs = 5) {
  const sent: { key: string; items: number[] }[] = [];
  const batcher = new IsolateBatcher<string, number>(maxItems, windowMs, async (key, items) => {
    sent.push({ key, items: [...items] });
  });
  return { batcher, sent };
}

describe("IsolateBatcher", () => {
  it("gives the request that opens a batch the send to keep alive; the others have nothing to wait for", async () => {
    const { batcher, sent } = recordingBatcher(100);
    const opener = batcher.add("q", [1]);
    expect(opener).toBeInstanceOf(Promise);
    expect(batcher.add("q", [2])).toBeNull();
    expect(batcher.add("q", [3, 4])).toBeNull();
    expect(sent).toEqual([]);
    await opener;
    expect(sent).toEqual([{ key: "q", items: [1, 2, 3, 4] }]);
  });

  it("sends a batch at once from the request that fills it, and the opener's send then sends nothing more", async () => {
    const { batcher, sent } = recordingBatcher(3, 50);
    const opener = batcher.add("q", [1]);
    expect(batcher.add("q", [2])).toBeNull();
    const filler = batcher.add("q", [3]);
    expect(filler).toBeInstanceOf(Promise);
    await filler;
    expect(sent).toEqual([{ key: "q", items: [1, 2, 3] }]);
    // A new batch opens meanwhile; when the opener's window ends it sends neither batch again.
    const next = batcher.add("q", [4]);
    expect(next).toBeInstanceOf(Promise);
    await opener;
    expect(sent).toEqual([{ key: "q", items: [1, 2, 3] }]);
    await next;
    expect(sent).toEqual([
      { key: "q", items: [1, 2, 3] },
      { key: "q", items: [4] },
    ]);
  });

  it("sends items given all at once beyond the batch size in one call, at once", async () => {
    const { batcher, sent } = recordingBatcher(2);
    await batcher.add("q", [1, 2, 3]);
    expect(sent).toEqual([{ key: "q", items: [1, 2, 3] }]);
  });

  it("keeps one batch per key", async () => {
    const { batcher, sent } = recordingBatcher(100);
    const a = batcher.add("a", [1]);
    const b = batcher.add("b", [2]);
    expect(batcher.add("a", [3])).toBeNull();
    await Promise.all([a, b]);
    expect(sent.sort((x, y) => x.key.localeCompare(y.key))).toEqual([
      { key: "a", items: [1, 3] },
      { key: "b", items: [2] },
    ]);
  });

  it("lets a failed send reject only the promise of the request that made it", async () => {
    const batcher = new IsolateBatcher<string, number>(100, 5, async () => {
      throw new Error("queue down");
    });
    const opener = batcher.add("q", [1]);
    expect(batcher.add("q", [2])).toBeNull();
    await expect(opener).rejects.toThrow("queue down");
  });
});
