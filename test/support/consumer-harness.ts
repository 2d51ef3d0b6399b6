import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { vi } from "vitest";

interface QueueWorker<E> {
  queue?: (batch: MessageBatch<unknown>, env: E, ctx: ExecutionContext) => void | Promise<void>;
}

let seq = 0;

/** Runs a Worker's real queue handler on one batch and returns which messages were acked or retried. */
export async function deliverBatch<E>(worker: QueueWorker<E>, env: E, queue: string, bodies: unknown[], attempts = 1) {
  seq += 1;
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `msg-${seq}-${i}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  if (!worker.queue) throw new Error("the Worker has no queue handler");
  await worker.queue(batch, env, ctx);
  await waitOnExecutionContext(ctx);
  return getQueueResult(batch, ctx);
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
