import { monotonicFactory, ulid } from "ulid";

/**
 * Every id in the system is `<prefix>_<ULID>`, and every prefix is listed here once, so two
 * kinds of id never share one. api: team, key, lnk, evt, rpl; fan-out: dlq (dead letters);
 * webhooks: whk, dlv, att, wev (and evt for its test events).
 */
export const ID_PREFIXES = ["team", "key", "lnk", "evt", "rpl", "dlq", "whk", "dlv", "att", "wev"] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

// Monotonic within an isolate: ids made in the same millisecond still sort in
// creation order, which keyset pagination and the event log rely on.
const monotonic = monotonicFactory();

/** A fresh id; `at` backdates one (tests of retention), without the monotonic guarantee. */
export function newId(prefix: IdPrefix, at?: number): string {
  return `${prefix}_${at === undefined ? monotonic() : ulid(at)}`;
}

/** Every id of that prefix made before `at` sorts below this one: ULIDs start with their time. */
export function idsBefore(prefix: IdPrefix, at: number): string {
  return `${prefix}_${ulid(at).slice(0, 10)}`;
}

/** What an id of each prefix looks like (Crockford base32, 26 characters). */
export const ID_PATTERN = Object.fromEntries(ID_PREFIXES.map((p) => [p, new RegExp(`^${p}_[0-9A-HJKMNP-TV-Z]{26}$`)])) as Record<IdPrefix, RegExp>;
