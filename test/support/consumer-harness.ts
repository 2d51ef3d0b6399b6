import { vi } from "vitest";
import { runBatch } from "./queue-batch";

interface QueueWorker<E> {
  queue?: (batch: MessageBatch<unknown>, env: E, ctx: ExecutionContext) => void | Promise<void>;
}

/** Runs a Worker's real queue handler on one batch and returns which messages were acked or retried. */
export async function deliverBatch<E>(worker: QueueWorker<E>, env: E, queue: string, bodies: unknown[], attempts = 1) {
  const { queue: handle } = worker;
  if (!handle) throw new Error("the Worker has no queue handler");
  return runBatch(queue, bodies, (batch, ctx) => handle(batch, env, ctx), attempts);
}

export interface DeliveryReport {
  subscriber: string;
  reports: { eventId: string; status: "delivered" | "retrying"; attempts: number; error: string | null; duplicate?: boolean }[];
  invalid: { body: string; reason: string; attempts: number }[];
}

/** What reached `delivery-reports`, as the recorder Worker consumed it. */
export async function recordedReports(recorder: Fetcher): Promise<DeliveryReport[]> {
  const res = await recorder.fetch("https://recorder/?queue=delivery-reports");
  return ((await res.json()) as { body: DeliveryReport }[]).map((r) => r.body);
}

/** Waits until the reports matching `pick` are there, and returns them (the queue delivers a moment later). */
export async function waitForReports<T>(recorder: Fetcher, pick: (reports: DeliveryReport[]) => T[], count = 1): Promise<T[]> {
  return vi.waitUntil(
    async () => {
      const found = pick(await recordedReports(recorder));
      return found.length >= count ? found : false;
    },
    { timeout: 5_000, interval: 20 },
  );
}
