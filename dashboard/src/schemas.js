// The shapes of the API's answers (API.md), parsed at the boundary: the page renders only what
// these schemas let through. Fields added later by the API are ignored; fields the API may not
// have yet (stats' qrScans, cities, regions, rules) are optional. zod/mini: the same checks as
// zod, a fraction of the bundle (functions instead of methods, so unused parts are dropped).
import * as z from "zod/mini";

const keyClicks = z.array(z.object({ key: z.string(), clicks: z.number() }));

export const ruleSchema = z.object({
  when: z.object({
    country: z.optional(z.array(z.string())),
    device: z.optional(z.array(z.string())),
    os: z.optional(z.array(z.string())),
    language: z.optional(z.array(z.string())),
  }),
  url: z.string(),
});

const textRecord = z.record(z.string(), z.string());

export const linkSchema = z.object({
  id: z.string(),
  slug: z.string(),
  url: z.string(),
  shortUrl: z.string(),
  title: z.nullable(z.string()),
  tags: z.array(z.string()),
  expiresAt: z.nullable(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  passwordProtected: z._default(z.boolean(), false),
  expiredUrl: z.nullish(z.string()),
  maxClicks: z.nullish(z.number()),
  rules: z.nullish(z.array(ruleSchema)),
  utm: z.nullish(textRecord),
  og: z.nullish(textRecord),
});

export const linkPageSchema = z.object({ data: z.array(linkSchema), nextCursor: z.nullable(z.string()) });

export const usageSchema = z.object({ plan: z.string(), period: z.string(), linksCreated: z.number(), linkLimit: z.nullable(z.number()) });

export const statsSchema = z.object({
  clicks: z.number(),
  uniqueVisitors: z.number(),
  botClicks: z.number(),
  qrScans: z.optional(z.number()),
  timeseries: z.array(z.object({ date: z.string(), clicks: z.number() })),
  countries: keyClicks,
  referrers: keyClicks,
  devices: keyClicks,
  browsers: keyClicks,
  os: keyClicks,
  cities: z.optional(keyClicks),
  regions: z.optional(keyClicks),
  rules: z.optional(keyClicks),
});

export const eventSchema = z.object({
  id: z.string(),
  type: z.string(),
  version: z.number(),
  occurredAt: z.string(),
  subject: z.string(),
  traceId: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export const eventPageSchema = z.object({ data: z.array(eventSchema), nextCursor: z.nullable(z.string()) });

export const subscriberDeliverySchema = z.object({
  subscriber: z.string(),
  status: z.enum(["pending", "delivered", "retrying", "dead"]),
  attempts: z.number(),
  duplicates: z._default(z.number(), 0),
  lastError: z.nullable(z.string()),
  processedAt: z.nullable(z.string()),
});

export const eventTraceSchema = z.object({ event: eventSchema, deliveries: z.array(subscriberDeliverySchema) });

export const endpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.nullable(z.string()),
  enabled: z.boolean(),
  disabledReason: z.nullish(z.string()),
  disabledBy: z.nullish(z.enum(["receiver", "failures", "team"])),
  createdAt: z.string(),
});

export const endpointPageSchema = z.object({ data: z.array(endpointSchema), nextCursor: z.nullable(z.string()) });
export const endpointWithSecretSchema = z.extend(endpointSchema, { secret: z.string() });
export const secretSchema = z.object({ secret: z.string() });

export const webhookDeliverySchema = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(["pending", "retrying", "delivered", "failed"]),
  attempts: z.number(),
  responseStatus: z.nullable(z.number()),
  lastError: z.nullable(z.string()),
  nextAttemptAt: z.nullable(z.string()),
  deliveredAt: z.nullable(z.string()),
  createdAt: z.string(),
});

export const webhookDeliveryPageSchema = z.object({ data: z.array(webhookDeliverySchema), nextCursor: z.nullable(z.string()) });
export const webhookAttemptsSchema = z.extend(webhookDeliverySchema, {
  attemptLog: z.array(z.object({ attempt: z.number(), attemptedAt: z.string(), responseStatus: z.nullable(z.number()), error: z.nullable(z.string()) })),
});
export const testSentSchema = z.object({ deliveryId: z.string(), eventId: z.string() });
export const feedTokenSchema = z.object({ token: z.string() });

/** @typedef {z.infer<typeof linkSchema>} Link */
/** @typedef {z.infer<typeof ruleSchema>} LinkRule */
/** @typedef {z.infer<typeof linkPageSchema>} LinkPage */
/** @typedef {z.infer<typeof usageSchema>} Usage */
/** @typedef {z.infer<typeof statsSchema>} Stats */
/** @typedef {z.infer<typeof eventSchema>} LoggedEvent */
/** @typedef {z.infer<typeof eventTraceSchema>} EventTrace */
/** @typedef {z.infer<typeof subscriberDeliverySchema>} SubscriberDelivery */
/** @typedef {z.infer<typeof endpointSchema>} Endpoint */
/** @typedef {z.infer<typeof webhookDeliverySchema>} WebhookDelivery */
/** @typedef {z.infer<typeof webhookAttemptsSchema>} WebhookAttempts */
