import { z } from "zod";

/**
 * The envelope every message on every queue carries (DESIGN.md "Event envelope").
 * `id` is the idempotency key everywhere; `subject` is the partition key (link id);
 * `traceId` is the W3C trace id of the request that caused the event.
 */
export const eventIdSchema = z.string().regex(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/, "expected an event id (evt_ + ULID)");
export const traceIdSchema = z
  .string()
  .regex(/^[0-9a-f]{32}$/, "expected a W3C trace id (32 lowercase hex)")
  .refine((id) => id !== "0".repeat(32), "the all-zero trace id is invalid");
export const teamIdSchema = z.string().regex(/^team_[0-9A-HJKMNP-TV-Z]{26}$/, "expected a team id");
export const linkIdSchema = z.string().regex(/^lnk_[0-9A-HJKMNP-TV-Z]{26}$/, "expected a link id");
export const isoDateTimeSchema = z.iso.datetime({ offset: false });

/** Builds the strict envelope schema for one event type at one version. */
export function envelopeSchema<const T extends string, const V extends number, D extends z.ZodType>(type: T, version: V, data: D) {
  return z.strictObject({
    id: eventIdSchema,
    type: z.literal(type),
    version: z.literal(version),
    occurredAt: isoDateTimeSchema,
    teamId: teamIdSchema,
    subject: z.string().min(1).max(128),
    traceId: traceIdSchema,
    data,
  });
}
