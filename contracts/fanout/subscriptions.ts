import type { LinkEventType } from "#events";

/**
 * The topic's consumer groups: who gets which event types, through which queue.
 * Adding a subscriber is one entry here (plus its producer binding and DLQ consumer
 * in the fan-out's wrangler.toml, which test/tooling/subscriptions.test.ts checks against this list)
 * and the subscriber's own Worker. The producer never changes.
 */
export const SUBSCRIPTIONS = [
  { subscriber: "analytics", queue: "analytics-events", binding: "ANALYTICS_EVENTS", types: ["LinkCreated", "LinkClicked", "LinkDeleted", "ClicksRecorded"] },
  { subscriber: "qr", queue: "qr-events", binding: "QR_EVENTS", types: ["LinkCreated", "LinkUpdated", "LinkDeleted"] },
  { subscriber: "billing", queue: "billing-events", binding: "BILLING_EVENTS", types: ["LinkCreated"] },
  {
    subscriber: "webhooks",
    queue: "webhook-events",
    binding: "WEBHOOK_EVENTS",
    types: ["LinkCreated", "LinkUpdated", "LinkDeleted", "LinkClicked", "ClicksRecorded"],
  },
  {
    subscriber: "dashboard",
    queue: "dashboard-events",
    binding: "DASHBOARD_EVENTS",
    types: ["LinkCreated", "LinkUpdated", "LinkDeleted", "LinkClicked", "ClicksRecorded"],
  },
  { subscriber: "preview", queue: "preview-events", binding: "PREVIEW_EVENTS", types: ["LinkCreated", "LinkUpdated", "LinkDeleted"] },
  { subscriber: "redirects", queue: "redirects-events", binding: "REDIRECTS_EVENTS", types: ["LinkCreated", "LinkUpdated", "LinkDeleted"] },
] as const satisfies readonly Subscription[];

/**
 * `types` are link event types only: consumers parse with linkEventSchema. The topic also
 * carries the audit trail (events/audit-events.ts), which therefore reaches no subscriber; one
 * that wants it needs a consumer parsing logEventSchema, and this type widened to LogEventType.
 */
export interface Subscription {
  subscriber: string;
  queue: string;
  binding: string;
  types: readonly LinkEventType[];
}

export type SubscriberName = (typeof SUBSCRIPTIONS)[number]["subscriber"];
export const SUBSCRIBER_NAMES = SUBSCRIPTIONS.map((s) => s.subscriber) as [SubscriberName, ...SubscriberName[]];

/** The topic itself, for dead letters the fan-out gives up on. */
export const TOPIC = { subscriber: "fanout", queue: "link-events" } as const;

/**
 * The click topic: ClicksRecorded batches, fanned out like the topic's events. Its dead letters
 * are the fan-out's too (subscriber `fanout`); a redrive sends each back to the topic of its type.
 */
export const CLICK_TOPIC = { subscriber: "fanout", queue: "click-events", binding: "CLICK_EVENTS", types: ["ClicksRecorded"] } as const;

/** The topic an event of this type came in on (redrive sends a fan-out dead letter back there). */
export function topicBindingOf(type: string): "LINK_EVENTS" | "CLICK_EVENTS" {
  return (CLICK_TOPIC.types as readonly string[]).includes(type) ? CLICK_TOPIC.binding : "LINK_EVENTS";
}

/** Where consumers send their outcomes for the ledger. */
export const REPORTS_QUEUE = "delivery-reports";

export const dlqName = (queue: string) => `${queue}-dlq`;

export function subscriptionOf(name: string): Subscription | undefined {
  return SUBSCRIPTIONS.find((s) => s.subscriber === name);
}
