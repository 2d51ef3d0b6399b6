import type { LinkEvent, LinkEventType } from "../../../../events";

/** The one mapping from internal event types to the public webhook event names. */
export const WEBHOOK_EVENT_NAMES = {
  LinkCreated: "link.created",
  LinkUpdated: "link.updated",
  LinkDeleted: "link.deleted",
  LinkClicked: "link.clicked",
} as const satisfies Record<Exclude<LinkEventType, "ClicksRecorded">, string>;

/** Events that map to one webhook each (a ClicksRecorded batch becomes link.clicked per click). */
export type WebhookSourceEvent = Exclude<LinkEvent, { type: "ClicksRecorded" }>;

export const PUBLIC_EVENTS = Object.values(WEBHOOK_EVENT_NAMES) as [string, ...string[]];
export const TEST_EVENT = "webhook.test";

/** The body every delivery carries: `{type, timestamp, data}` (Standard Webhooks). */
export function webhookBody(event: WebhookSourceEvent): string {
  return JSON.stringify({ type: WEBHOOK_EVENT_NAMES[event.type], timestamp: event.occurredAt, data: event.data });
}
