// contracts/fanout/subscriptions.ts is who gets what; the queues themselves are declared in the
// wrangler configs. A subscription without its producer binding fails only at run time (the
// fan-out cannot send), one without a dead-letter consumer loses its dead letters silently.
import path from "node:path";
import { experimental_readRawConfig } from "wrangler";
import { describe, expect, it } from "vitest";
import { CLICK_TOPIC, REPORTS_QUEUE, SUBSCRIPTIONS, TOPIC, dlqName } from "#contracts/fanout/subscriptions";
import { ROOT, WORKERS } from "../../scripts/stack.mjs";

const FANOUT_CONFIG = "workers/fanout/wrangler.toml";

interface Queues {
  producers: { binding: string; queue: string }[];
  consumers: { queue: string; dead_letter_queue?: string }[];
}

function queuesOf(config: string): Queues {
  const { rawConfig } = experimental_readRawConfig({ config: path.join(ROOT, config) });
  const { producers = [], consumers = [] } = rawConfig.queues ?? {};
  return { producers, consumers };
}

describe("contracts/fanout/subscriptions.ts against the wrangler configs", () => {
  const fanout = queuesOf(FANOUT_CONFIG);

  it("the fan-out has a producer binding for each subscription's queue, and for the two topics (redrive) only", () => {
    const expected = [
      { binding: "LINK_EVENTS", queue: TOPIC.queue },
      { binding: CLICK_TOPIC.binding, queue: CLICK_TOPIC.queue },
      ...SUBSCRIPTIONS.map(({ binding, queue }) => ({ binding, queue })),
    ];
    const byBinding = (a: { binding: string }, b: { binding: string }) => a.binding.localeCompare(b.binding);
    expect(fanout.producers.map(({ binding, queue }) => ({ binding, queue })).sort(byBinding)).toEqual(expected.sort(byBinding));
  });

  it("the fan-out consumes the topics, the reports and the dead-letter queue of each of them and of each subscription, nothing else", () => {
    const queues = [TOPIC.queue, CLICK_TOPIC.queue, REPORTS_QUEUE];
    const expected = [...queues, ...[...queues, ...SUBSCRIPTIONS.map((s) => s.queue)].map(dlqName)];
    expect(fanout.consumers.map((c) => c.queue).sort()).toEqual(expected.sort());
  });

  it.each(SUBSCRIPTIONS.map((s) => [s.subscriber, s] as const))(
    "%s: its own Worker alone consumes its queue, dead letters to <queue>-dlq",
    (subscriber, { queue }) => {
      const consumers = WORKERS.flatMap((w) =>
        queuesOf(w.config)
          .consumers.filter((c) => c.queue === queue)
          .map((c) => ({ config: w.config, dlq: c.dead_letter_queue })),
      );
      expect(consumers).toEqual([{ config: `workers/consumers/${subscriber}/wrangler.toml`, dlq: dlqName(queue) }]);
    },
  );
});
