/**
 * When to try a failed delivery again: about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
 * after each failed attempt (so 8 attempts over about a day and a half), each with
 * ±20 % jitter so an endpoint that comes back is not hit by every retry at once.
 * A `Retry-After` from the endpoint wins, within the queue's 12 h limit.
 */
export const RETRY_SCHEDULE_SECONDS = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000] as const;
export const MAX_ATTEMPTS = RETRY_SCHEDULE_SECONDS.length + 1;
const MAX_DELAY_SECONDS = 12 * 60 * 60;

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), or null. */
export function parseRetryAfter(header: string | null, now: Date): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/** Delay before the next attempt after `attempts` failed ones, or null when it is time to give up. */
export function nextDelaySeconds(attempts: number, retryAfter: number | null, random: () => number = Math.random): number | null {
  if (attempts >= MAX_ATTEMPTS) return null;
  if (retryAfter !== null) return Math.min(MAX_DELAY_SECONDS, Math.max(1, retryAfter));
  const base: number = RETRY_SCHEDULE_SECONDS[Math.min(attempts, RETRY_SCHEDULE_SECONDS.length) - 1] ?? 5;
  return Math.min(MAX_DELAY_SECONDS, Math.max(1, Math.round(base * (0.8 + random() * 0.4))));
}
