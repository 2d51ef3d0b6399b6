/**
 * Exponential backoff with full jitter: attempt 1 waits up to `baseSeconds`, each
 * further attempt doubles the ceiling, capped. Jitter spreads a burst of failures
 * so retries do not arrive together and fail together again.
 */
export function retryDelaySeconds(attempt: number, baseSeconds = 2, capSeconds = 600, random: () => number = Math.random): number {
  const ceiling = Math.min(capSeconds, baseSeconds * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(ceiling / 2 + random() * (ceiling / 2)));
}
