import { z } from "zod";
import { envelopeSchema, isoDateTimeSchema, linkIdSchema } from "./envelope";

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

export const linkCreatedV1 = envelopeSchema("LinkCreated", 1, z.strictObject({ link: linkSnapshotSchema }));

/** v2 adds the short domain the link lives on (additive: v1 consumers' fields are unchanged). */
export const linkCreatedV2 = envelopeSchema("LinkCreated", 2, z.strictObject({ link: linkSnapshotSchema, domain: z.string().min(1).max(253) }));

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

export const linkDeletedV1 = envelopeSchema(
  "LinkDeleted",
  1,
  z.strictObject({ linkId: linkIdSchema, slug: z.string().min(1).max(64), deletedAt: isoDateTimeSchema }),
);

export const linkClickedV1 = envelopeSchema(
  "LinkClicked",
  1,
  z.strictObject({
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
  }),
);
