import { WEBHOOK_EVENT_NAMES, type WebhookSourceEvent } from "#contracts/webhooks/endpoints";

export { PUBLIC_EVENTS, TEST_EVENT, WEBHOOK_EVENT_NAMES, type WebhookSourceEvent } from "#contracts/webhooks/endpoints";

/** The body every delivery carries: `{type, timestamp, data}` (Standard Webhooks). */
export function webhookBody(event: WebhookSourceEvent): string {
  return JSON.stringify({ type: WEBHOOK_EVENT_NAMES[event.type], timestamp: event.occurredAt, data: event.data });
}
