import { d1WithWriteFaults } from "./d1-write-faults";
import { CONSUMER_FAILURE, chaosOf, strikes } from "./settings";

/** What CHAOS does to one toolkit consumer's batch (nothing when it is unset). */
export interface ConsumerFaults {
  /** The injected failure of one message attempt (decided anew on each call), or null. */
  deliveryFailure(): string | null;
  /** The consumer's D1, with writes refused while this subscriber's write-failure window is open. */
  database(db: D1Database): D1Database;
}

const NONE: ConsumerFaults = { deliveryFailure: () => null, database: (db) => db };

export function consumerFaults(env: unknown, subscriber: string, random: () => number = Math.random, now?: () => Date): ConsumerFaults {
  const chaos = chaosOf(env, subscriber);
  if (!chaos) return NONE;
  const rate = chaos.consumerFailureRate ?? 0;
  const window = chaos.d1WriteFailure;
  const hitsDb = window !== undefined && (window.subscribers === undefined || window.subscribers.includes(subscriber));
  return {
    deliveryFailure: () => (strikes(rate, random) ? CONSUMER_FAILURE : null),
    database: (db) => (hitsDb ? d1WithWriteFaults(db, window, now) : db),
  };
}
