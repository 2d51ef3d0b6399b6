import { z } from "zod";
import { configParser } from "../../../shared/config";
import { strongSecret } from "../../../shared/strong-secret";
import type { UrlPolicy } from "../../../shared/url-safety/url-policy";

/** The webhooks Worker's vars and secrets (workers/shared/config.ts parses them once per env object). */
const configSchema = z.object({
  WEBHOOK_SECRETS_KEY: strongSecret("WEBHOOK_SECRETS_KEY"),
  /** "true" only in the local stack: lets http://127.0.0.1:PORT / localhost receive webhooks. */
  WEBHOOKS_ALLOW_LOOPBACK_HTTP: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** A DNS-over-HTTPS JSON endpoint used to refuse hosts that resolve to private addresses; "off" skips it (local, offline). */
  WEBHOOKS_DNS_RESOLVER: z.union([z.literal("off"), z.url({ protocol: /^https$/ })]).default("https://cloudflare-dns.com/dns-query"),
  /** Deliveries in a row that end failed (every retry spent) after which an endpoint is disabled. */
  WEBHOOKS_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).max(1000).default(15),
  /** Days of failing without one success after which an endpoint is disabled (catches quiet endpoints). */
  WEBHOOKS_DISABLE_AFTER_DAYS: z.coerce.number().min(1).max(90).default(5),
  /** Days the delivery log keeps finished deliveries and attempts. */
  WEBHOOKS_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /**
   * Seconds past due after which a pending or retrying delivery's message counts as lost and
   * the minute cron sends it again (optional). Above the queue's normal lag, so a late message
   * rarely gets a copy; a copy is harmless anyway (attempts claim their delivery).
   */
  WEBHOOKS_STRANDED_AFTER_SECONDS: z.coerce.number().int().min(30).max(86_400).default(120),
  /** Stranded deliveries re-queued per minute at most, oldest first (optional): a lost backlog drains over several runs. */
  WEBHOOKS_SWEEP_LIMIT: z.coerce.number().int().min(1).max(5_000).default(500),
});

export type WebhooksConfig = z.infer<typeof configSchema>;

/** Endpoints get signed payloads, so https only; loopback http on the local stack alone. */
export function urlPolicyOf(config: WebhooksConfig): UrlPolicy {
  return { allowLoopbackHttp: config.WEBHOOKS_ALLOW_LOOPBACK_HTTP, allowPlainHttp: false };
}

export const configOf: (env: object) => WebhooksConfig = configParser("webhooks", configSchema);
