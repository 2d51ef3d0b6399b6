import { monotonicFactory, ulid } from "ulid";

const monotonic = monotonicFactory();

type Prefix = "whk" | "dlv" | "att" | "wev" | "evt";

/** `<prefix>_<ULID>`; `at` backdates one (tests of the log's retention). */
export function newId(prefix: Prefix, at?: number): string {
  return `${prefix}_${at === undefined ? monotonic() : ulid(at)}`;
}

/** Every id of that prefix made before `at` sorts below this one: ULIDs start with their time. */
export function idsBefore(prefix: Prefix, at: number): string {
  return `${prefix}_${ulid(at).slice(0, 10)}`;
}
