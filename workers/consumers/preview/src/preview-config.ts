import { z } from "zod";
import { configParser } from "../../../shared/config";
import type { UrlPolicy } from "../../../shared/url-safety/url-policy";

/** The preview Worker's vars, parsed once per env object. */
const configSchema = z.object({
  /** "true" only on the local stack: destinations on loopback http may be previewed. */
  PREVIEW_ALLOW_LOOPBACK_HTTP: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** A DNS-over-HTTPS JSON endpoint; "off" skips the resolved-address check (offline local stack). */
  PREVIEW_DNS_RESOLVER: z.union([z.literal("off"), z.url({ protocol: /^https$/ })]).default("https://cloudflare-dns.com/dns-query"),
  /** Budget for one page: every redirect hop and the body read. */
  PREVIEW_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5_000),
});

export type PreviewConfig = z.infer<typeof configSchema>;

export const previewConfigOf: (env: object) => PreviewConfig = configParser("preview", configSchema);

/** Destinations are public pages, often plain http; the address checks are the webhooks Worker's. */
export function previewUrlPolicy(config: PreviewConfig): UrlPolicy {
  return { allowLoopbackHttp: config.PREVIEW_ALLOW_LOOPBACK_HTTP, allowPlainHttp: true };
}
