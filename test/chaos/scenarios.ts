// The chaos scenarios of issue 13: each one fault, the same load, the same checks.
import type { ReceiverMode } from "./receiver.ts";

export interface Scenario {
  name: string;
  /** What is broken, for the report. */
  fault: string;
  /** The CHAOS var (workers/shared/chaos.ts) for a stack launched at `launchedAt`, if any. */
  chaos?: (launchedAt: number) => Record<string, unknown>;
  /** The burst starts no earlier than this long after launch (a fault window must be open by then). */
  burstNotBeforeMs?: number;
  /** When the faults end, from launch (for the recovery time); default: when the burst ends. */
  faultsEndAtMs?: number;
  receivers: { mode: ReceiverMode; events: string[] }[];
  /** SIGKILL the whole stack halfway through the creates, then start it again on the same state. */
  kill?: boolean;
  /** Fewer links for scenarios whose faults are slow by nature (a hang per delivery). */
  linksFactor?: number;
}

const BOTH = ["link.created", "link.clicked"];

/** The D1 fault window: 45 s after launch (the stack is up by then), for 30 s. */
const D1_WINDOW_FROM_MS = 45_000;
const D1_WINDOW_MS = 30_000;

export const SCENARIOS: Scenario[] = [
  {
    name: "sigkill-mid-burst",
    fault: "the whole stack (wrangler + workerd) SIGKILLed halfway through the creates, restarted on the same state",
    receivers: [{ mode: "ok", events: BOTH }],
    kill: true,
  },
  {
    name: "consumers-fail-20pct",
    fault: "every consumer throws on 20% of its deliveries (CHAOS consumerFailureRate 0.2)",
    chaos: () => ({ consumerFailureRate: 0.2 }),
    receivers: [{ mode: "ok", events: BOTH }],
  },
  {
    name: "queue-sends-fail-10pct",
    fault: "the api's sends to link-events and click-events fail 10% of the time (CHAOS queueSendFailureRate 0.1)",
    chaos: () => ({ queueSendFailureRate: 0.1 }),
    receivers: [{ mode: "ok", events: BOTH }],
  },
  {
    name: "webhook-receivers-fail-and-hang",
    fault: "one receiver answers 500 to the first request of every webhook-id (50% of requests), another holds it past the 15 s timeout",
    receivers: [
      { mode: "fail-first", events: BOTH },
      { mode: "hang-first", events: ["link.created"] },
    ],
    linksFactor: 0.5,
  },
  {
    name: "consumer-d1-writes-fail-30s",
    fault: "every consumer's D1 writes fail for 30 s while the burst runs (CHAOS d1WriteFailure)",
    chaos: (launchedAt) => ({
      d1WriteFailure: {
        from: new Date(launchedAt + D1_WINDOW_FROM_MS).toISOString(),
        to: new Date(launchedAt + D1_WINDOW_FROM_MS + D1_WINDOW_MS).toISOString(),
      },
    }),
    burstNotBeforeMs: D1_WINDOW_FROM_MS,
    faultsEndAtMs: D1_WINDOW_FROM_MS + D1_WINDOW_MS,
    receivers: [{ mode: "ok", events: BOTH }],
  },
];
