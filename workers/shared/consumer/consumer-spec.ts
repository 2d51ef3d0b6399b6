import type { LinkEvent } from "../../../events";

/** What a consumer Worker declares; the toolkit does parsing, dedupe, retries and reporting. */
export interface ConsumerSpec<E> {
  /** The subscriber name of the fan-out list (also the receipts' consumer key). */
  subscriber: string;
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
   * The D1 effect of a set of fresh events, aggregated (one upsert per key, not per
   * event). Runs in ONE batch with the receipts of those events.
   */
  effects?(events: LinkEvent[], db: D1Database, env: E): D1PreparedStatement[] | Promise<D1PreparedStatement[]>;
  /** Backoff base and cap for this subscriber's retries. */
  retry?: { baseSeconds: number; capSeconds: number };
}

export type Outcome =
  | { kind: "delivered"; duplicate: boolean }
  | { kind: "retry"; error: string; delaySeconds?: number }
  | { kind: "invalid"; reason: string };
