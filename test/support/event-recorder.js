// A real queue consumer used only by tests: it consumes `link-events` through the
// local Queues broker and keeps what it received, so tests assert on the messages
// that actually reached the topic (not on calls to the producer binding).
const received = [];

export default {
  async queue(batch) {
    for (const message of batch.messages) {
      received.push({ body: message.body, attempts: message.attempts, receivedAt: Date.now() });
      message.ack();
    }
  },
  async fetch() {
    return Response.json(received);
  },
};
