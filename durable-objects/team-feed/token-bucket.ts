import { z } from "zod";

/**
 * A token bucket small enough to live in a socket's attachment (the object hibernates, so
 * per-socket counters cannot live in memory): `tokens` left as of `at` (epoch ms).
 */
export const bucketSchema = z.strictObject({ tokens: z.number().min(0), at: z.number().int().nonnegative() });
export type Bucket = z.infer<typeof bucketSchema>;

/** `capacity` tokens at most (the burst), one more every `refillMs` (the sustained rate). */
export interface BucketRule {
  capacity: number;
  refillMs: number;
}

export type Take = { ok: true; bucket: Bucket } | { ok: false; bucket: Bucket; retryAfterSeconds: number };

export function fullBucket(rule: BucketRule, now: number): Bucket {
  return { tokens: rule.capacity, at: now };
}

/** Takes one token if there is one; otherwise says how long until there will be. */
export function take(bucket: Bucket, rule: BucketRule, now: number): Take {
  const elapsed = Math.max(0, now - bucket.at);
  const tokens = Math.min(rule.capacity, bucket.tokens + elapsed / rule.refillMs);
  if (tokens >= 1) return { ok: true, bucket: { tokens: tokens - 1, at: now } };
  return { ok: false, bucket: { tokens, at: now }, retryAfterSeconds: Math.max(1, Math.ceil(((1 - tokens) * rule.refillMs) / 1000)) };
}
