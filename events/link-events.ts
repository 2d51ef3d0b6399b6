import { z } from "zod";
import { envelopeSchema, isoDateTimeSchema, linkIdSchema } from "./envelope";
import { linkControlsShape, MAX_RULES } from "./link-controls";

/** The link as events carry it: the public Link minus the derived `shortUrl`. */
export const linkSnapshotSchema = z.strictObject({
  id: linkIdSchema,
  slug: z.string().min(1).max(64),
  url: z.string().url(),
  title: z.string().nullable(),
  tags: z.array(z.string()),
  expiresAt: isoDateTimeSchema.nullable(),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
});
export type LinkSnapshot = z.infer<typeof linkSnapshotSchema>;

export const linkFieldSchema = z.enum(["url", "slug", "title", "tags", "expiresAt"]);
export type LinkField = z.infer<typeof linkFieldSchema>;

/**
 * The link with its controls (events/link-controls.ts), as LinkCreated v3 and LinkUpdated v2
 * carry it: `passwordProtected` says whether a password is set; the password and its hash are
 * never in an event.
 */
export const linkSnapshotV2Schema = linkSnapshotSchema.extend(linkControlsShape);
export type LinkSnapshotV2 = z.infer<typeof linkSnapshotV2Schema>;

/** The fields LinkUpdated v2 may name: v1's and the controls (`password`: set, changed or removed). */
export const linkFieldV2Schema = z.enum([...linkFieldSchema.options, "password", "expiredUrl", "maxClicks", "rules", "utm", "og"]);
export type LinkFieldV2 = z.infer<typeof linkFieldV2Schema>;

/**
 * What LinkUpdated v2's `previous` may hold: any snapshot field but `passwordProtected`. A changed
 * password is named in `changed` and has no previous value (not even whether one was set).
 */
export const previousLinkV2Schema = linkSnapshotV2Schema.omit({ passwordProtected: true }).partial();

export const linkCreatedV1 = envelopeSchema("LinkCreated", 1, z.strictObject({ link: linkSnapshotSchema }));

/** v2 adds the short domain the link lives on (additive: v1 consumers' fields are unchanged). */
export const linkCreatedV2 = envelopeSchema("LinkCreated", 2, z.strictObject({ link: linkSnapshotSchema, domain: z.string().min(1).max(253) }));

/** v3 adds the link controls to the snapshot (additive: v2 consumers' fields are unchanged). */
export const linkCreatedV3 = envelopeSchema("LinkCreated", 3, z.strictObject({ link: linkSnapshotV2Schema, domain: z.string().min(1).max(253) }));

export const linkUpdatedV1 = envelopeSchema(
  "LinkUpdated",
  1,
  z.strictObject({
    link: linkSnapshotSchema,
    /** Which fields changed, and their values before the change (QR needs the old slug). */
    changed: z.array(linkFieldSchema).min(1),
    previous: linkSnapshotSchema.partial(),
  }),
);

/** v2 adds the link controls to the snapshot, and `changed`/`previous` may name them. */
export const linkUpdatedV2 = envelopeSchema(
  "LinkUpdated",
  2,
  z.strictObject({
    link: linkSnapshotV2Schema,
    changed: z.array(linkFieldV2Schema).min(1),
    previous: previousLinkV2Schema,
  }),
);

export const linkDeletedV1 = envelopeSchema(
  "LinkDeleted",
  1,
  z.strictObject({ linkId: linkIdSchema, slug: z.string().min(1).max(64), deletedAt: isoDateTimeSchema }),
);

const linkClickedDataShape = {
  linkId: linkIdSchema,
  slug: z.string().min(1).max(64),
  method: z.enum(["GET", "HEAD"]),
  /** ISO 3166 alpha-2 from the edge, null when unknown. */
  country: z.string().length(2).nullable(),
  referrerHost: z.string().max(255).nullable(),
  userAgent: z.string().max(512).nullable(),
  /** Verified bot, user-agent bot list match, or a HEAD request. */
  bot: z.boolean(),
  /** Daily-salted hash of IP + user agent: counts unique visitors, never reveals the IP. */
  visitorHash: z.string().regex(/^[0-9a-f]{32}$/),
};

export const linkClickedV1 = envelopeSchema("LinkClicked", 1, z.strictObject(linkClickedDataShape));

/**
 * v2 adds how the visitor came (`trigger`: "qr" for a scan of the link's QR code, else "link")
 * and which targeting rule chose the destination (`rule`: its index, null when none did).
 * Additive: v1's fields are unchanged; a v1 click reads as trigger "link", rule null.
 */
export const linkClickedV2 = envelopeSchema(
  "LinkClicked",
  2,
  z.strictObject({
    ...linkClickedDataShape,
    trigger: z.enum(["qr", "link"]),
    rule: z
      .number()
      .int()
      .min(0)
      .max(MAX_RULES - 1)
      .nullable(),
  }),
);
