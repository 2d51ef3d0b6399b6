/**
 * A few quick tries of a write inside a request's waitUntil (the click batch's spool put and
 * queue send): enough to ride out a blip, short enough that the request's budget is never at risk.
 */
export const INLINE_RETRY_DELAYS_MS: readonly number[] = [100, 400];

export type Tried<T> = { ok: true; value: T; attempts: number } | { ok: false; error: unknown; attempts: number };

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `attempt` once, then once more after each delay while it throws; never throws itself. */
export async function withInlineRetries<T>(
  attempt: () => Promise<T>,
  delaysMs: readonly number[] = INLINE_RETRY_DELAYS_MS,
  sleep: (ms: number) => Promise<void> = sleepMs,
): Promise<Tried<T>> {
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      return { ok: true, value: await attempt(), attempts };
    } catch (error) {
      const delay = delaysMs[attempts - 1];
      if (delay === undefined) return { ok: false, error, attempts };
      await sleep(delay);
    }
  }
}
