import { z } from "zod";

/** Env vars and secrets cross a boundary too: parse them once per env object. */
const configSchema = z.object({
  ADMIN_TOKEN: z.string().min(16, "ADMIN_TOKEN must be at least 16 characters"),
  VISITOR_HASH_SECRET: z.string().min(16, "VISITOR_HASH_SECRET must be at least 16 characters"),
  FEED_TOKEN_SECRET: z.string().min(16, "FEED_TOKEN_SECRET must be at least 16 characters"),
  SHORT_BASE_URL: z.union([z.literal(""), z.url({ protocol: /^https?$/ })]).default(""),
});

export type Config = z.infer<typeof configSchema>;

const cache = new WeakMap<object, Config>();

export function configOf(env: ApiEnv): Config {
  let config = cache.get(env);
  if (!config) {
    const parsed = configSchema.safeParse(env);
    if (!parsed.success) throw new Error(`invalid Worker configuration: ${z.prettifyError(parsed.error)}`);
    config = parsed.data;
    cache.set(env, config);
  }
  return config;
}

/** Where short links live: SHORT_BASE_URL when set, else the origin the request came in on. */
export function shortBaseUrl(env: ApiEnv, requestUrl: string): string {
  const configured = configOf(env).SHORT_BASE_URL;
  return (configured || new URL(requestUrl).origin).replace(/\/+$/, "");
}
