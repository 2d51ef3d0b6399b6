// A real queue consumer used only by tests: it consumes queues through the local
// Queues broker and keeps what it received, so tests assert on the messages that
// actually reached a queue (not on calls to a producer binding).
const received = [];

export default {
  async queue(batch) {
    for (const message of batch.messages) {
      received.push({ queue: batch.queue, body: message.body, attempts: message.attempts, receivedAt: Date.now() });
      message.ack();
    }
  },
  async fetch(request) {
    const queue = new URL(request.url).searchParams.get("queue");
    return Response.json(queue ? received.filter((r) => r.queue === queue) : received);
  },
};
