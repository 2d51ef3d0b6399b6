import { z } from "zod";

/**
 * The link controls as events (and the redirects read model) carry them: the shape, not the
 * whole input policy (the api checks URLs against its own hosts and text for invisible
 * characters before anything is stored). The password is never here: events say only
 * `passwordProtected`.
 */

export const MAX_RULES = 20;
export const MAX_RULE_VALUES = 50;
export const MAX_CLICKS_CAP = 1_000_000_000;
export const RULE_DEVICES = ["mobile", "tablet", "desktop"] as const;
export const RULE_OSES = ["ios", "android", "windows", "macos", "linux"] as const;
export const UTM_KEYS = ["source", "medium", "campaign", "term", "content"] as const;

/** ISO 3166-1 alpha-2, upper case. */
export const COUNTRY_CODE = /^[A-Z]{2}$/;
/** A BCP 47 primary language subtag, lower case. */
export const LANGUAGE_TAG = /^[a-z]{2,3}$/;

const values = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(MAX_RULE_VALUES);

export const ruleConditionsSchema = z.strictObject({
  country: values(z.string().regex(COUNTRY_CODE)).optional(),
  device: values(z.enum(RULE_DEVICES)).optional(),
  os: values(z.enum(RULE_OSES)).optional(),
  language: values(z.string().regex(LANGUAGE_TAG)).optional(),
});

export const linkRuleSchema = z.strictObject({ when: ruleConditionsSchema, url: z.string().url() });
export type LinkRule = z.infer<typeof linkRuleSchema>;

const utmValue = z.string().min(1).max(200);
export const linkUtmSchema = z.strictObject({
  source: utmValue.optional(),
  medium: utmValue.optional(),
  campaign: utmValue.optional(),
  term: utmValue.optional(),
  content: utmValue.optional(),
});
export type LinkUtm = z.infer<typeof linkUtmSchema>;

export const linkOgSchema = z.strictObject({
  title: z.string().min(1).max(200).optional(),
  description: z.string().min(1).max(500).optional(),
  image: z.string().url().optional(),
});
export type LinkOg = z.infer<typeof linkOgSchema>;

/** The controls of a link, each null when unset (LinkCreated v3 and LinkUpdated v2 snapshots add these). */
export const linkControlsShape = {
  passwordProtected: z.boolean(),
  expiredUrl: z.string().url().nullable(),
  maxClicks: z.number().int().min(1).max(MAX_CLICKS_CAP).nullable(),
  rules: z.array(linkRuleSchema).min(1).max(MAX_RULES).nullable(),
  utm: linkUtmSchema.nullable(),
  og: linkOgSchema.nullable(),
};
