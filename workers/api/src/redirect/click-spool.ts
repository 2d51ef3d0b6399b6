import { decodeTime } from "ulid";
import { z } from "zod";
import { clickCountsOf, type ClicksRecorded } from "#events";

/**
 * The click spool (README "Clicks are telemetry"): a write-ahead copy of every ClicksRecorded
 * batch in R2, put before the batch's queue send, deleted by the click reconciler once every
 * subscriber finished it. What it needs of R2, so the CLICK_SPOOL binding satisfies it and a test
 * can hand a failing one.
 */
export type ClickSpool = Pick<R2Bucket, "put" | "get" | "list" | "delete">;

export const SPOOL_PREFIX = "batches/";
const KEY = /^batches\/(evt_[0-9A-HJKMNP-TV-Z]{26})$/;

/** `batches/<batchId>`: batch ids are `evt_<ULID>`, so keys sort by the time the batch was sealed. */
export const spoolKeyOf = (batchId: string) => `${SPOOL_PREFIX}${batchId}`;

/** The batch id and its time (its ULID's) of a spool key; null for a key the spool never writes. */
export function spooledBatchOf(key: string): { id: string; at: number } | null {
  const id = KEY.exec(key)?.[1];
  if (!id) return null;
  try {
    return { id, at: decodeTime(id.slice(4)) };
  } catch {
    return null;
  }
}

/** A batch's counts and UTC day: what a drop is counted with (click_drops), from the listing alone. */
export interface SpooledCounts {
  day: string;
  clicks: number;
  bots: number;
  heads: number;
  links: number;
}

const count = z.coerce.number().int().min(0);
const metadataSchema = z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), clicks: count, bots: count, heads: count, links: count });

/** Read back from an object's custom metadata (R2 keeps strings); null when they are not the spool's. */
export function spooledCountsOf(metadata: Record<string, string> | undefined): SpooledCounts | null {
  const parsed = metadataSchema.safeParse(metadata ?? {});
  return parsed.success ? parsed.data : null;
}

export function countsOfBatch(batch: ClicksRecorded): SpooledCounts {
  const { clicks, bots, heads, links } = clickCountsOf(batch);
  return { day: batch.data.from.slice(0, 10), clicks, bots, heads, links };
}

/** One put per batch: the envelope as it is sent, its counts as custom metadata. */
export async function spoolBatch(spool: ClickSpool, batch: ClicksRecorded, counts: SpooledCounts): Promise<void> {
  const { day, clicks, bots, heads, links } = counts;
  await spool.put(spoolKeyOf(batch.id), JSON.stringify(batch), {
    httpMetadata: { contentType: "application/json" },
    customMetadata: { day, clicks: String(clicks), bots: String(bots), heads: String(heads), links: String(links) },
  });
}
