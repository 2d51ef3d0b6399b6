import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
export { consumerReceipts } from "./receipts";

/**
 * The webhooks database (binding WEBHOOKS_DB), owned by the webhooks Worker: endpoints,
 * one delivery row per (endpoint, event), and the endpoint's own event log.
 */

export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id").notNull(),
    url: text("url").notNull(),
    description: text("description"),
    /** JSON array of public event names (link.created, ...). */
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    disabledReason: text("disabled_reason"),
    /** When the endpoint was last disabled; null while enabled. */
    disabledAt: text("disabled_at"),
    /**
     * Who disabled it: its receiver (answered 410 Gone: an opt-out only an explicit
     * acknowledgement overrides), the failure thresholds, or the team. Null while enabled.
     */
    disabledBy: text("disabled_by", { enum: ["receiver", "failures", "team"] }),
    /**
     * AES-GCM ciphertext of the signing secret, never the secret itself: `v2.iv.ciphertext`
     * (base64) with the endpoint id as associated data; rows from before carry `iv.ciphertext`.
     */
    secretCipher: text("secret_cipher").notNull(),
    /** The secret before the last rotation, still signing until `previousSecretExpiresAt`. */
    previousSecretCipher: text("previous_secret_cipher"),
    previousSecretExpiresAt: text("previous_secret_expires_at"),
    /** Deliveries in a row that ended failed (retries exhausted); a delivered one resets it. */
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    /** When the current run of failed attempts began; null while the last attempt succeeded. */
    failingSince: text("failing_since"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("webhook_endpoints_team_idx").on(t.teamId, t.id)],
);

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id").notNull(),
    teamId: text("team_id").notNull(),
    /** The webhook-id header: the same on every attempt. */
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    /** The exact body sent, fixed at creation so every attempt signs the same bytes. */
    payload: text("payload").notNull(),
    status: text("status", { enum: ["pending", "retrying", "delivered", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    responseStatus: integer("response_status"),
    responseExcerpt: text("response_excerpt"),
    lastError: text("last_error"),
    nextAttemptAt: text("next_attempt_at"),
    deliveredAt: text("delivered_at"),
    /**
     * Who is attempting it right now, and until when: an attempt claims the row first, so a
     * duplicate message for the same attempt sends nothing, and a crashed attempt's claim expires.
     */
    leaseToken: text("lease_token"),
    leaseUntil: text("lease_until"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_endpoint_event_idx").on(t.endpointId, t.eventId),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.id),
    /**
     * The minute cron's search for stranded deliveries (src/stranded-deliveries.ts), by when
     * their next message was due: unfinished rows only, so it stays as small as the work in
     * flight while the log holds 30 days of finished ones. Its expression and condition must
     * be written exactly so in the query, or SQLite does not use it. CASE, not coalesce():
     * drizzle-kit 0.31 splits a SQLite index expression at its commas (a broken migration).
     */
    index("webhook_deliveries_due_idx")
      .on(sql`CASE WHEN ${t.nextAttemptAt} IS NULL THEN ${t.createdAt} ELSE ${t.nextAttemptAt} END`)
      .where(sql`${t.status} in ('pending', 'retrying')`),
  ],
);

/** Every attempt of every delivery, for the delivery's log (attempt numbers restart after a redelivery). */
export const webhookDeliveryAttempts = sqliteTable(
  "webhook_delivery_attempts",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id").notNull(),
    endpointId: text("endpoint_id").notNull(),
    attempt: integer("attempt").notNull(),
    attemptedAt: text("attempted_at").notNull(),
    responseStatus: integer("response_status"),
    /** Null when the endpoint answered 2xx. */
    error: text("error"),
  },
  (t) => [index("webhook_delivery_attempts_delivery_idx").on(t.deliveryId, t.id), index("webhook_delivery_attempts_endpoint_idx").on(t.endpointId)],
);

/** What happened to an endpoint itself, e.g. `endpoint.disabled` after a run of failures. */
export const webhookEndpointEvents = sqliteTable(
  "webhook_endpoint_events",
  {
    id: text("id").primaryKey(),
    endpointId: text("endpoint_id").notNull(),
    teamId: text("team_id").notNull(),
    type: text("type").notNull(),
    reason: text("reason").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("webhook_endpoint_events_endpoint_idx").on(t.endpointId, t.id)],
);

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type DeliveryAttemptRow = typeof webhookDeliveryAttempts.$inferSelect;
