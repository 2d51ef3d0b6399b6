// Data only, no imports: test/tooling checks these against wrangler.toml in Node.

/** A Rate Limiting binding's rule as configured in wrangler.toml (fixed windows aligned to the clock). */
export interface RateLimitRule {
  /** The policy's name in `RateLimit-Policy` / `RateLimit` headers. */
  name: string;
  limit: number;
  periodSeconds: 10 | 60;
}

/**
 * The rule of each binding, as wrangler.toml configures it (test/tooling checks that they agree).
 * The local stack raises the configured limits; these are the production numbers.
 */
export const RATE_LIMIT_RULES = {
  RL_API_FREE: { name: "api", limit: 600, periodSeconds: 60 },
  RL_API_PRO: { name: "api", limit: 3_000, periodSeconds: 60 },
  RL_AUTH_FAILURES: { name: "auth-failures", limit: 20, periodSeconds: 60 },
  RL_GUESSES: { name: "guesses", limit: 30, periodSeconds: 60 },
  RL_WEBHOOK_ACTIONS: { name: "webhook-actions", limit: 20, periodSeconds: 60 },
} as const satisfies Record<string, RateLimitRule>;
