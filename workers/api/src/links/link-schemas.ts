import { z } from "@hono/zod-openapi";
import { MAX_URL_LENGTH } from "./url-policy";
import { isReservedSlug, SLUG_PATTERN } from "./slug";
import { isSafeText } from "./text-policy";

export const MAX_TAGS = 20;

const slug = z
  .string()
  .regex(SLUG_PATTERN, "must be 1–64 characters of A–Z, a–z, 0–9, _ and -")
  .refine((s) => !isReservedSlug(s), "is reserved")
  .openapi({ example: "launch" });

// The URL's own policy (scheme, short domain) needs the request's origin: it runs in the handler.
const url = z.string().min(1).max(MAX_URL_LENGTH).openapi({ example: "https://example.com/products/launch" });

const title = z.string().trim().min(1).max(200).refine(isSafeText, "must not contain control or invisible characters");

const tag = z.string().trim().min(1).max(40).refine(isSafeText, "must not contain control or invisible characters");

const tags = z
  .array(tag)
  .max(MAX_TAGS)
  .transform((list) => [...new Set(list)]);

const expiresAt = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s).toISOString())
  // An offset can carry 9999-12-31 into year 10000, which ISO-8601 (and our events) cannot hold.
  .refine((s) => /^\d{4}-/.test(s), "must be before the year 10000 in UTC")
  .openapi({ example: "2027-01-01T00:00:00Z" });

export const createLinkSchema = z
  .strictObject({
    url,
    slug: slug.optional(),
    title: title.optional(),
    tags: tags.optional(),
    expiresAt: expiresAt.optional(),
  })
  .openapi("CreateLink");
export type CreateLinkInput = z.infer<typeof createLinkSchema>;

export const updateLinkSchema = z
  .strictObject({
    url: url.optional(),
    slug: slug.optional(),
    title: title.nullable().optional(),
    tags: tags.optional(),
    expiresAt: expiresAt.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, "send at least one field to change")
  .openapi("UpdateLink");
export type UpdateLinkInput = z.infer<typeof updateLinkSchema>;

export const bulkCreateSchema = z
  .strictObject({
    // Items are validated one by one so one bad link does not sink the other 99.
    links: z
      .array(z.unknown().openapi({ description: "A CreateLink object" }))
      .min(1)
      .max(100),
  })
  .openapi("BulkCreateLinks");

export const linkSchema = z
  .object({
    id: z.string().openapi({ example: "lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC" }),
    slug: z.string(),
    url: z.string(),
    shortUrl: z.string().openapi({ example: "https://lnk.example/launch" }),
    title: z.string().nullable(),
    tags: z.array(z.string()),
    expiresAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Link");
export type Link = z.infer<typeof linkSchema>;

export const linkIdParam = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC" }),
});

export const listLinksQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
  tag: tag.optional(),
  q: z.string().trim().min(1).max(200).refine(isSafeText, "must not contain control characters").optional(),
});

export const linkListSchema = z.object({ data: z.array(linkSchema), nextCursor: z.string().nullable() }).openapi("LinkList");

export const bulkResultSchema = z
  .object({
    results: z.array(
      z.union([
        z.object({ ok: z.literal(true), link: linkSchema }),
        z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
      ]),
    ),
  })
  .openapi("BulkCreateResult");
