import { monotonicFactory } from "ulid";

// Monotonic within an isolate: ids made in the same millisecond still sort in
// creation order, which keyset pagination and the event log rely on.
const ulid = monotonicFactory();

export type IdPrefix = "team" | "key" | "lnk" | "evt" | "rpl";

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid()}`;
}

export const ID_PATTERN = {
  team: /^team_[0-9A-HJKMNP-TV-Z]{26}$/,
  key: /^key_[0-9A-HJKMNP-TV-Z]{26}$/,
  lnk: /^lnk_[0-9A-HJKMNP-TV-Z]{26}$/,
  evt: /^evt_[0-9A-HJKMNP-TV-Z]{26}$/,
  rpl: /^rpl_[0-9A-HJKMNP-TV-Z]{26}$/,
} as const satisfies Record<IdPrefix, RegExp>;
