import type { LinkEvent, LinkEventType } from "../../../../events";

/** The one mapping from internal event types to the public webhook event names. */
export const WEBHOOK_EVENT_NAMES = {
  LinkCreated: "link.created",
  LinkUpdated: "link.updated",
  LinkDeleted: "link.deleted",
  LinkClicked: "link.clicked",
} as const satisfies Record<LinkEventType, string>;

export const PUBLIC_EVENTS = Object.values(WEBHOOK_EVENT_NAMES) as [string, ...string[]];
export const TEST_EVENT = "webhook.test";

/** The body every delivery carries: `{type, timestamp, data}` (Standard Webhooks). */
export function webhookBody(event: LinkEvent): string {
  return JSON.stringify({ type: WEBHOOK_EVENT_NAMES[event.type], timestamp: event.occurredAt, data: event.data });
}
