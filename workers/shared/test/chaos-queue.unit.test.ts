import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { failingQueue, QUEUE_SEND_FAILURE } from "../chaos";

/**
 * A message for the real `delivery-reports` queue, shaped as an (empty) report because the other
 * toolkit tests read every message of that queue, tagged with its test and number.
 */
const msg = (chaosRun: string, n: number | string) => ({ subscriber: "chaos-queue-test", reports: [], invalid: [], chaosRun, n });

/** The numbers of the messages tagged `run` that the real queue delivered. */
async function arrived(run: string): Promise<string[]> {
  const res = await env.RECORDER.fetch("https://recorder/?queue=delivery-reports");
  return ((await res.json()) as { body: { chaosRun?: string; n?: unknown } }[]).filter((r) => r.body.chaosRun === run).map((r) => String(r.body.n));
}

async function waitForArrivals(run: string, count: number): Promise<string[]> {
  return vi.waitUntil(
    async () => {
      const bodies = await arrived(run);
      return bodies.length >= count ? bodies : false;
    },
    { timeout: 5_000, interval: 20 },
  );
}

describe("failingQueue", () => {
  it("at rate 0 sends everything to the real queue", async () => {
    const queue = failingQueue(env.DELIVERY_REPORTS, 0);
    await queue.send(msg("rate0", 1));
    await queue.sendBatch([{ body: msg("rate0", 2) }, { body: msg("rate0", 3) }]);
    expect((await waitForArrivals("rate0", 3)).sort()).toEqual(["1", "2", "3"]);
  });

  it("at rate 1 throws on every send and sendBatch, and nothing of them reaches the queue", async () => {
    const queue = failingQueue(env.DELIVERY_REPORTS, 1);
    for (let n = 0; n < 20; n++) await expect(queue.send(msg("rate1", n))).rejects.toThrow(QUEUE_SEND_FAILURE);
    await expect(queue.sendBatch([{ body: msg("rate1", 99) }])).rejects.toThrow(QUEUE_SEND_FAILURE);
    // A later message through the same binding arrives; the refused ones never left this Worker.
    await env.DELIVERY_REPORTS.send(msg("rate1", "marker"));
    expect(await waitForArrivals("rate1", 1)).toEqual(["marker"]);
  });

  it("fails the calls whose draw is below the rate: with evenly spread draws, exactly that share", async () => {
    let i = 0;
    const evenly = () => (i++ % 10) / 10;
    const queue = failingQueue(env.DELIVERY_REPORTS, 0.3, evenly);
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, n) => queue.send(msg("share", n))));
    const refused = outcomes.flatMap((o, n) => (o.status === "rejected" ? [n] : []));
    expect(refused).toEqual([0, 1, 2, 10, 11, 12]);
    const sent = outcomes.flatMap((o, n) => (o.status === "fulfilled" ? [String(n)] : []));
    expect((await waitForArrivals("share", sent.length)).sort()).toEqual(sent.sort());
  });

  it("is one wrapper per binding while the rate holds (the click packer keys batches by the queue object)", () => {
    const a = failingQueue(env.DELIVERY_REPORTS, 0.5);
    expect(failingQueue(env.DELIVERY_REPORTS, 0.5)).toBe(a);
    expect(a).not.toBe(env.DELIVERY_REPORTS);
    expect(failingQueue(env.DELIVERY_REPORTS, 0.25)).not.toBe(a);
  });
});
