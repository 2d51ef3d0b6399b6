import { z } from "@hono/zod-openapi";
import { MAX_CLICKS_CAP, MAX_RULE_VALUES, MAX_RULES, RULE_DEVICES, RULE_OSES } from "#events/link-controls";
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

// ---------------------------------------------------------------------------
// Link controls (README "Link controls"). Every URL among them gets the same policy as `url`
// (in the handler: it needs the deployment's hosts); the schema checks the shape.

const safeText = (max: number) => z.string().trim().min(1).max(max).refine(isSafeText, "must not contain control or invisible characters");

const password = z.string().min(4).max(128).refine(isSafeText, "must not contain control or invisible characters").openapi({
  description: "Write-only: 4–128 characters. Stored only as a salted PBKDF2-SHA256 hash; the Link shows `passwordProtected`.",
  writeOnly: true,
  example: "open sesame",
});

const expiredUrl = z.string().min(1).max(MAX_URL_LENGTH).openapi({
  description: "Where the link sends people once expired or used up, instead of 410. The same policy as `url`: http(s) only, never the short domain.",
  example: "https://example.com/launch/ended",
});

const maxClicks = z.number().int().min(1).max(MAX_CLICKS_CAP).openapi({
  description: "Human clicks after which the link counts as used up (1 to 1,000,000,000).",
  example: 1000,
});

/** A bounded, non-empty list of condition values, each normalised, duplicates dropped. */
function conditionList<T extends z.ZodType<string>>(item: T) {
  return z
    .array(item)
    .min(1)
    .max(MAX_RULE_VALUES)
    .transform((list) => [...new Set(list)]);
}

const country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, "must be an ISO 3166-1 alpha-2 country code")
  .transform((code) => code.toUpperCase());
const language = z
  .string()
  .regex(/^[A-Za-z]{2,3}$/, "must be a BCP 47 primary language tag (2–3 letters)")
  .transform((tag) => tag.toLowerCase());

const ruleConditions = z
  .strictObject({
    country: conditionList(country)
      .optional()
      .openapi({ description: "ISO 3166-1 alpha-2 codes (stored upper case)", example: ["DE", "AT"] }),
    device: conditionList(z.enum(RULE_DEVICES)).optional(),
    os: conditionList(z.enum(RULE_OSES)).optional(),
    language: conditionList(language)
      .optional()
      .openapi({ description: "BCP 47 primary language tags (stored lower case)", example: ["de"] }),
  })
  .refine((when) => Object.values(when).some((list) => list !== undefined), "must name at least one condition")
  .openapi({ description: "Every condition named must match (a list matches when any of its values does)." });

const rule = z
  .strictObject({
    when: ruleConditions,
    url: z
      .string()
      .min(1)
      .max(MAX_URL_LENGTH)
      .openapi({ description: "Same policy as `url`: http(s) only (no app deep links yet).", example: "https://example.com/de/launch" }),
  })
  .openapi("LinkRule");

const rules = z
  .array(rule)
  .min(1)
  .max(MAX_RULES)
  .openapi({ description: `At most ${MAX_RULES} rules; the first whose conditions all match picks the destination.` });

const utm = z
  .strictObject({
    source: safeText(200).optional(),
    medium: safeText(200).optional(),
    campaign: safeText(200).optional(),
    term: safeText(200).optional(),
    content: safeText(200).optional(),
  })
  .refine((u) => Object.values(u).some((v) => v !== undefined), "must name at least one UTM parameter")
  .openapi("LinkUtm", { description: "UTM parameters, each 1–200 characters of plain text.", example: { source: "newsletter", medium: "email" } });

const og = z
  .strictObject({
    title: safeText(200).optional(),
    description: safeText(500).optional(),
    image: z.string().min(1).max(MAX_URL_LENGTH).optional().openapi({ description: "An https URL, not on the short domain." }),
  })
  .refine((o) => Object.values(o).some((v) => v !== undefined), "must name at least one of title, description, image")
  .openapi("LinkOg", { description: "Open Graph overrides for link previews." });

export const createLinkSchema = z
  .strictObject({
    url,
    slug: slug.optional(),
    title: title.optional(),
    tags: tags.optional(),
    expiresAt: expiresAt.optional(),
    password: password.optional(),
    expiredUrl: expiredUrl.optional(),
    maxClicks: maxClicks.optional(),
    rules: rules.optional(),
    utm: utm.optional(),
    og: og.optional(),
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
    password: password.nullable().optional(),
    expiredUrl: expiredUrl.nullable().optional(),
    maxClicks: maxClicks.nullable().optional(),
    rules: rules.nullable().optional(),
    utm: utm.nullable().optional(),
    og: og.nullable().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, "send at least one field to change")
  .openapi("UpdateLink", {
    description: "Only the fields sent change. `null` removes title, expiresAt and the link controls (password, expiredUrl, maxClicks, rules, utm, og).",
  });
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
    passwordProtected: z.boolean().openapi({ description: "Whether a password is set (the password itself is never shown)." }),
    expiredUrl: z.string().nullable(),
    maxClicks: z.number().int().nullable(),
    rules: z.array(rule).nullable(),
    utm: utm.nullable(),
    og: og.nullable(),
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
