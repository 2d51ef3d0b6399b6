import { z } from "zod";
import type { LinkEvent, LinkEventType } from "#events";

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

export type DisabledBy = "receiver" | "failures" | "team";

/** Every input of the Webhooks RPC entrypoint, parsed at the boundary. */
const teamId = z.string().regex(/^team_[0-9A-HJKMNP-TV-Z]{26}$/);
const endpointId = z.string().max(64);
const eventsSchema = z
  .array(z.enum(PUBLIC_EVENTS))
  .min(1)
  .max(PUBLIC_EVENTS.length)
  .transform((list) => [...new Set(list)]);
const description = z
  .string()
  .trim()
  .max(500)
  .refine((s) => !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(s), "must not contain control characters");

export const createInputSchema = z.strictObject({
  teamId,
  url: z.string().min(1).max(2048),
  events: eventsSchema,
  description: description.optional(),
  /** How many endpoints the team's plan allows (the api knows plans; this Worker enforces the number). */
  maxEndpoints: z.number().int().min(1).max(10_000),
});
export const endpointInputSchema = z.strictObject({ teamId, endpointId });
export const listInputSchema = z.strictObject({ teamId, limit: z.number().int().min(1).max(100).default(50), afterId: z.string().max(64).optional() });
export const updateInputSchema = z.strictObject({
  teamId,
  endpointId,
  changes: z
    .strictObject({
      url: z.string().min(1).max(2048).optional(),
      events: eventsSchema.optional(),
      description: description.nullable().optional(),
      enabled: z.boolean().optional(),
      /** Required to enable an endpoint its receiver disabled by answering 410 Gone. */
      receiverOptOutAcknowledged: z.literal(true).optional(),
    })
    .refine((c) => Object.keys(c).length > 0, "send at least one field to change")
    .refine((c) => c.receiverOptOutAcknowledged === undefined || c.enabled === true, {
      path: ["receiverOptOutAcknowledged"],
      message: 'only goes with "enabled": true',
    }),
});
export const deliveriesInputSchema = z.strictObject({
  teamId,
  endpointId,
  limit: z.number().int().min(1).max(100).default(50),
  beforeId: z.string().max(64).optional(),
});
export const oneDeliveryInputSchema = z.strictObject({ teamId, endpointId, deliveryId: z.string().max(64) });

export interface EndpointView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  /** When it was disabled; null while enabled. */
  disabledAt: string | null;
  /** Who disabled it: its receiver (410 Gone), the failure thresholds, or the team; null while enabled. */
  disabledBy: DisabledBy | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  status: "pending" | "retrying" | "delivered" | "failed";
  attempts: number;
  responseStatus: number | null;
  responseExcerpt: string | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export interface DeliveryAttemptView {
  attempt: number;
  attemptedAt: string;
  responseStatus: number | null;
  error: string | null;
}

export type CreateInput = z.input<typeof createInputSchema>;
