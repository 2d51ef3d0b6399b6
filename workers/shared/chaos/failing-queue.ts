import { QUEUE_SEND_FAILURE, strikes } from "./settings";

interface Wrapped {
  rate: number;
  random: () => number;
  queue: Queue;
}

// One wrapper per real binding (while the rate holds): callers that key state by the queue
// object (the api's ClickPacker keeps one open batch per queue) must see the same object on
// every request, or each request would open a batch of its own.
const wrappers = new WeakMap<Queue, Wrapped>();

/**
 * The queue, except that each send and sendBatch throws QUEUE_SEND_FAILURE with probability
 * `rate`, decided per call. Nothing of a failed call reaches the real queue.
 */
export function failingQueue(queue: Queue, rate: number, random: () => number = Math.random): Queue {
  const known = wrappers.get(queue);
  if (known && known.rate === rate && known.random === random) return known.queue;
  const refuse = () => {
    if (strikes(rate, random)) throw new Error(QUEUE_SEND_FAILURE);
  };
  // A plain object, not a Proxy: a binding's methods must be called on the binding itself.
  const wrapper: Queue = {
    async send(message, options) {
      refuse();
      return queue.send(message, options);
    },
    async sendBatch(messages, options) {
      refuse();
      return queue.sendBatch(messages, options);
    },
    metrics: () => queue.metrics(),
  };
  wrappers.set(queue, { rate, random, queue: wrapper });
  return wrapper;
}
