import { z } from "zod";
import { envelopeSchema, eventIdSchema, isoDateTimeSchema, teamIdSchema } from "./envelope";

/**
 * The audit trail: admin actions as events in the same log (outbox, topic, ledger) as link
 * changes. One type per action, each with its own strict data, so no free-form field can
 * ever carry a secret: an event names the acting credential by id and never holds an API
 * key, a key hash or the admin token.
 */

/**
 * Replay and redrive act on the whole log, not on one team; the envelope requires a team
 * id, so they are filed under this reserved one. No real team can get it (team ids are ULIDs
 * of their creation time) and no API key belongs to it, so GET /v1/events never shows them.
 */
export const SYSTEM_TEAM_ID = "team_00000000000000000000000000";

export const apiKeyIdSchema = z.string().regex(/^key_[0-9A-HJKMNP-TV-Z]{26}$/, "expected an API key id");
export const replayJobIdSchema = z.string().regex(/^rpl_[0-9A-HJKMNP-TV-Z]{26}$/, "expected a replay job id");

/**
 * Who did it: `admin:` + the first 12 hex characters of the admin token's SHA-256 (tells
 * tokens apart across a rotation, reveals nothing usable), or the id of the API key used.
 */
export const actorSchema = z.union([z.string().regex(/^admin:[0-9a-f]{12}$/, "expected admin:<12 hex>"), apiKeyIdSchema]);

const planSchema = z.enum(["free", "pro"]);

/** subject: the team id. The team's first key has its own ApiKeyMinted in the same batch. */
export const teamCreatedV1 = envelopeSchema(
  "TeamCreated",
  1,
  z.strictObject({
    actor: actorSchema,
    team: z.strictObject({ id: teamIdSchema, name: z.string().min(1).max(100), plan: planSchema, createdAt: isoDateTimeSchema }),
  }),
);

/** subject: the key id. Neither the key nor its hash nor its display prefix. */
export const apiKeyMintedV1 = envelopeSchema(
  "ApiKeyMinted",
  1,
  z.strictObject({ actor: actorSchema, keyId: apiKeyIdSchema, name: z.string().min(1).max(100), createdAt: isoDateTimeSchema }),
);

/** subject: the key id. */
export const apiKeyRevokedV1 = envelopeSchema("ApiKeyRevoked", 1, z.strictObject({ actor: actorSchema, keyId: apiKeyIdSchema, revokedAt: isoDateTimeSchema }));

/** teamId: SYSTEM_TEAM_ID; subject: the job id. */
export const replayStartedV1 = envelopeSchema(
  "ReplayStarted",
  1,
  z.strictObject({
    actor: actorSchema,
    jobId: replayJobIdSchema,
    subscriber: z.string().min(1).max(64),
    since: isoDateTimeSchema.nullable(),
    eventIds: z.array(eventIdSchema).max(1000).nullable(),
    /** Events the job will send (those of the subscriber's types up to the log's end when it started). */
    total: z.number().int().min(0),
  }),
);

/** teamId: SYSTEM_TEAM_ID; subject: the subscriber (or `fanout`, the topic) whose dead letters go back. */
export const redriveStartedV1 = envelopeSchema(
  "RedriveStarted",
  1,
  z.strictObject({
    actor: actorSchema,
    subscriber: z.string().min(1).max(64),
    /** The dead-letter ids asked for; null = the oldest 100 not yet redriven. */
    ids: z.array(z.string().max(40)).max(100).nullable(),
  }),
);

export const auditEventSchemas = [teamCreatedV1, apiKeyMintedV1, apiKeyRevokedV1, replayStartedV1, redriveStartedV1] as const;

export const auditEventSchema = z.discriminatedUnion("type", [teamCreatedV1, apiKeyMintedV1, apiKeyRevokedV1, replayStartedV1, redriveStartedV1]);
export type AuditEvent = z.infer<typeof auditEventSchema>;
export type AuditEventType = AuditEvent["type"];

export const AUDIT_EVENT_TYPES = [
  "TeamCreated",
  "ApiKeyMinted",
  "ApiKeyRevoked",
  "ReplayStarted",
  "RedriveStarted",
] as const satisfies readonly AuditEventType[];
