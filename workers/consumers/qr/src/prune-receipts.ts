import { idsBefore, retentionCutoff } from "../../../shared/retention/prune-in-chunks";
import { receiptKey } from "./qr-store";

const PREFIX = receiptKey("");

/** A run lists at most `maxPages` pages of `pageSize` receipts (and deletes at most as many). */
export interface R2PruneLimits {
  pageSize: number;
  maxPages: number;
}

export const DEFAULT_R2_PRUNE_LIMITS: R2PruneLimits = { pageSize: 1_000, maxPages: 20 };

/**
 * Deletes `qr-receipts/<eventId>` objects uploaded (= processed) more than `retentionDays`
 * before `now`. Keys sort by event id, a ULID, so by the event's time; an event is processed
 * after it was made, so only keys of events made before the cutoff can be old enough, and the
 * listing stops at the first key past it. A receipt in that range written recently (a replay
 * of an old event) is kept until it is old itself. Bounded: at most `maxPages` list calls and
 * as many deletes (1,000 keys each, R2's limit) a run; the next run goes on from the start.
 */
export async function pruneQrReceipts(
  bucket: R2Bucket,
  now: Date,
  retentionDays: number,
  limits: R2PruneLimits = DEFAULT_R2_PRUNE_LIMITS,
): Promise<{ receipts: number }> {
  const cutoff = retentionCutoff(now, retentionDays);
  const end = receiptKey(idsBefore("evt", cutoff));
  let receipts = 0;
  let startAfter: string | undefined;
  for (let page = 0; page < limits.maxPages; page++) {
    const listed = await bucket.list({ prefix: PREFIX, limit: limits.pageSize, ...(startAfter ? { startAfter } : {}) });
    const inRange = listed.objects.filter((o) => o.key < end);
    const old = inRange.filter((o) => o.uploaded < cutoff).map((o) => o.key);
    if (old.length > 0) await bucket.delete(old);
    receipts += old.length;
    const last = listed.objects.at(-1);
    if (!listed.truncated || !last || inRange.length < listed.objects.length) break;
    startAfter = last.key;
  }
  return { receipts };
}
