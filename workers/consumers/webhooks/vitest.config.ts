import { consumerProject } from "../../../test/support/consumer-project";
import { outbound, receivedLog } from "./test/outbound";

export default consumerProject("webhooks", {
  database: "webhooks",
  bindings: {
    WEBHOOK_SECRETS_KEY: "test-webhook-secrets-key-0123456789",
    WEBHOOKS_DNS_RESOLVER: "https://dns.test/dns-query",
    WEBHOOKS_DISABLE_AFTER_FAILURES: "4",
  },
  // Outbound HTTP of the endpoints (and the DoH resolver) is answered by the test.
  outboundService: outbound,
  serviceBindings: { RECEIVED: receivedLog },
  // Retries go through the real queue with real (1 s) delays.
  testTimeout: 30_000,
});
