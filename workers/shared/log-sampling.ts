import { z } from "zod";

/**
 * Per-click log lines are sampled (Workers Logs bill per line; issue 12): a click is logged when
 * its trace id falls in the sampled share. The trace id decides, not a coin toss, so the api, the
 * fan-out and every consumer log the same clicks and a sampled click can be followed end to end.
 */
export const DEFAULT_CLICK_LOG_SAMPLE_RATE = 0.01;

export function isSampledTrace(traceId: string, rate: number): boolean {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  const bits = Number.parseInt(traceId.slice(-8), 16);
  return Number.isFinite(bits) && bits / 0x1_0000_0000 < rate;
}

/** An optional env var ("0.01", "1", "0"): the share of clicks whose detail is logged. */
export const sampleRateSchema = z.coerce.number().min(0).max(1).default(DEFAULT_CLICK_LOG_SAMPLE_RATE);
