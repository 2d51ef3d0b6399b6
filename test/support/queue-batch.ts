// The one way tests hand a queue handler a batch: cloudflare:test's createMessageBatch and
// getQueueResult, which record acks and retries as the runtime would.
import { createExecutionContext, createMessageBatch, getQueueResult, type QueueResult, waitOnExecutionContext } from "cloudflare:test";

type QueueHandle = (batch: MessageBatch<unknown>, ctx: ExecutionContext) => unknown;

let seq = 0;

/** A batch of `bodies` on `queue`, each message with an id no other batch of the test file has. */
export function queueBatch(queue: string, bodies: readonly unknown[], attempts = 1): MessageBatch<unknown> {
  seq += 1;
  return createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `msg-${seq}-${i}`, timestamp: new Date(), attempts, body })),
  );
}

/** Runs `handle` on the batch, then what it left to waitUntil; returns which messages were acked or retried. */
export async function settleBatch(batch: MessageBatch<unknown>, handle: QueueHandle): Promise<QueueResult> {
  const ctx = createExecutionContext();
  await handle(batch, ctx);
  await waitOnExecutionContext(ctx);
  return getQueueResult(batch, ctx);
}

/** queueBatch, then settleBatch. */
export function runBatch(queue: string, bodies: readonly unknown[], handle: QueueHandle, attempts = 1): Promise<QueueResult> {
  return settleBatch(queueBatch(queue, bodies, attempts), handle);
}
