import { z } from "zod";
import { eventIdSchema, isoDateTimeSchema, teamIdSchema, traceIdSchema } from "#events";
import { SUBSCRIBER_NAMES, TOPIC } from "./subscriptions";

/** RPC inputs cross a Worker boundary: each method parses its input with these. */
export const subscriberSchema = z.enum(SUBSCRIBER_NAMES);
const anySubscriberSchema = z.union([subscriberSchema, z.literal(TOPIC.subscriber)]);

/**
 * What consumers send on the `delivery-reports` queue after each batch: their
 * outcomes and the messages they could not parse. A queue, not an RPC, so a
 * consumer never waits on (or fails with) the ledger.
 */
export const deliveryReportSchema = z.strictObject({
  subscriber: subscriberSchema,
  reports: z
    .array(
      z.strictObject({
        eventId: eventIdSchema,
        status: z.enum(["delivered", "retrying"]),
        attempts: z.number().int().min(0),
        error: z.string().nullish(),
        duplicate: z.boolean().default(false),
      }),
    )
    .max(100),
  invalid: z
    .array(z.strictObject({ body: z.string().max(100_000), reason: z.string().min(1).max(2000), attempts: z.number().int().min(0) }))
    .max(100)
    .default([]),
});
export type DeliveryReportMessage = z.input<typeof deliveryReportSchema>;

export const traceInputSchema = z.strictObject({ eventId: eventIdSchema, teamId: teamIdSchema.optional() });

export const deadLettersQuerySchema = z.strictObject({
  subscriber: anySubscriberSchema.optional(),
  limit: z.number().int().min(1).max(100).default(50),
  afterId: z.string().max(40).optional(),
});

export const redriveInputSchema = z.strictObject({
  subscriber: anySubscriberSchema,
  ids: z.array(z.string().max(40)).min(1).max(100).optional(),
});

export const replayInputSchema = z.strictObject({
  subscriber: subscriberSchema,
  events: z.array(z.unknown()).max(100),
});

/**
 * The reconciler's question (README "Reconciliation"): of these published events (id and type,
 * a page of the api's log), which (event, subscriber) pairs has the ledger no delivery for, or
 * only a `pending` one last touched before `pendingBefore`? `dead` and `retrying` are not asked.
 * With `includeInFlight`, pairs still `pending` (not stale yet) or `retrying` are answered too,
 * reason `in_flight`: the click spool keeps a batch until none of its pairs is left (a `dead`
 * one's body is in the dead letters, a `delivered` one is done).
 */
export const unfinishedInputSchema = z.strictObject({
  events: z.array(z.strictObject({ id: eventIdSchema, type: z.string().min(1).max(64) })).max(100),
  pendingBefore: isoDateTimeSchema,
  includeInFlight: z.boolean().default(false),
  /** A `retrying` delivery not updated since then is stale too: its retry message was lost (a broker crash, a purge). */
  retryingBefore: isoDateTimeSchema.optional(),
});

export interface UnfinishedDelivery {
  eventId: string;
  subscriber: string;
  /** `in_flight` only when asked for: it needs no re-send, only time. */
  reason: "missing" | "stale_pending" | "stale_retrying" | "in_flight";
}

/**
 * LEDGER_RETENTION_DAYS' floor. The api's click spool asks the ledger about a batch for up to
 * CLICK_SPOOL_MAX_AGE_HOURS, which may be at most this many days: a batch summary pruned earlier
 * would look `missing` and be sent again. (Consumers' receipts are kept at least 5 days, longer
 * than this, so such a re-send would still be a duplicate, never applied twice.)
 */
export const LEDGER_MIN_RETENTION_DAYS = 4;

export interface DeliveryView {
  subscriber: string;
  status: "pending" | "delivered" | "retrying" | "dead";
  attempts: number;
  duplicates: number;
  lastError: string | null;
  processedAt: string | null;
}

export interface DeadLetterView {
  id: string;
  subscriber: string;
  eventId: string | null;
  reason: string;
  lastError: string | null;
  attempts: number;
  createdAt: string;
  redrivenAt: string | null;
  /** The message body as received, JSON text (RPC results must be serialisable types). */
  body: string;
}

const count = z.number().int().min(0);

/**
 * What the ledger keeps of a ClicksRecorded batch, and what eventTrace answers for its id: the
 * envelope's fields with counts instead of the clicks (`data.summary` is always true).
 */
export const clickBatchSummarySchema = z.strictObject({
  id: eventIdSchema,
  type: z.literal("ClicksRecorded"),
  version: z.number().int().min(1),
  occurredAt: isoDateTimeSchema,
  teamId: teamIdSchema,
  subject: z.string(),
  traceId: traceIdSchema,
  data: z.strictObject({
    summary: z.literal(true),
    from: isoDateTimeSchema,
    to: isoDateTimeSchema,
    clicks: count,
    bots: count,
    heads: count,
    links: count,
    teams: count,
    agents: count,
    referrers: count,
  }),
});
export type ClickBatchSummary = z.infer<typeof clickBatchSummarySchema>;
