import type { SubscriberName } from "#contracts/fanout/subscriptions";
import type { LinkEvent } from "#events";

/** What a consumer Worker declares; the toolkit does parsing, dedupe, retries and reporting. */
export interface ConsumerSpec<E> {
  /** The subscriber name of the fan-out list (also the receipts' consumer key): a typo does not compile. */
  subscriber: SubscriberName;
  /** The `delivery-reports` queue, where outcomes go to the fan-out's ledger. */
  reports(env: E): Queue;
  /**
   * The consumer's own D1, holding `consumer_receipts` and the effects. Without one,
   * the effect must be idempotent by itself (an R2 put, an RPC that dedupes).
   */
  database?(env: E): D1Database;
  /**
   * Effects outside D1 (R2, RPC, fetch), per event, before its receipt is written.
   * Throwing retries that event alone. Must be safe to repeat.
   */
  perform?(event: LinkEvent, env: E): Promise<void>;
  /**
   * Effects outside D1 for all fresh events of a batch at once (after `perform`), for
   * effects that are cheaper grouped — one RPC per team rather than one per event.
   * Returns the events that failed (each retried alone, the others proceed) and those
   * the effect found already done (reported as duplicates). Throwing retries them all.
   * Must be safe to repeat.
   */
  performBatch?(events: LinkEvent[], env: E): Promise<PerformBatchResult>;
  /**
   * The D1 effect of a set of fresh events, aggregated (one upsert per key, not per
   * event). Runs in ONE batch with the receipts of those events. Statements alone, or a
   * CommitPlan when something outside D1 must happen before they commit.
   */
  effects?(events: LinkEvent[], db: D1Database, env: E): Effects | Promise<Effects>;
  /** Backoff base and cap for this subscriber's retries. */
  retry?: { baseSeconds: number; capSeconds: number };
}

export type Effects = D1PreparedStatement[] | CommitPlan;

/**
 * The D1 statements of a set of events, and what must be done before they commit: sends that
 * point at the rows they write (webhooks: one delivery message per delivery row). The toolkit
 * runs `beforeCommit`, then the batch; a throw from it fails that commit as a D1 error would,
 * and the per-event fallback plans and runs it again, so it must be safe to repeat. The other
 * order could commit rows whose message was never sent.
 */
export interface CommitPlan {
  statements: D1PreparedStatement[];
  beforeCommit?(): Promise<void>;
}

export interface PerformBatchResult {
  failed: { eventId: string; error: string }[];
  duplicates?: string[];
}

export type Outcome = { kind: "delivered"; duplicate: boolean } | { kind: "retry"; error: string; delaySeconds?: number } | { kind: "invalid"; reason: string };
