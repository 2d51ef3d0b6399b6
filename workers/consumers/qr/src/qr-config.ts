import { z } from "zod";

/**
 * Env vars cross a boundary too: parsed once per env object. SHORT_BASE_URL must be
 * the api Worker's short base (its SHORT_BASE_URL, or its origin when that is empty):
 * the qr Worker cannot see the api's requests, so it needs the value spelt out.
 */
const configSchema = z.object({
  SHORT_BASE_URL: z.url({ protocol: /^https?$/, error: "SHORT_BASE_URL must be an http(s) URL, the api's short base" }),
});

export type QrConfig = z.infer<typeof configSchema>;

const cache = new WeakMap<object, QrConfig>();

export function qrConfigOf(env: QrEnv): QrConfig {
  let config = cache.get(env);
  if (!config) {
    const parsed = configSchema.safeParse(env);
    if (!parsed.success) throw new Error(`invalid Worker configuration: ${z.prettifyError(parsed.error)}`);
    config = parsed.data;
    cache.set(env, config);
  }
  return config;
}
