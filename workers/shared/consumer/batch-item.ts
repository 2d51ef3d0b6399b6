import type { LinkEvent } from "#events";
import type { Outcome } from "./consumer-spec";

/** One message of a batch as it goes through the steps: its event once parsed, its outcome once decided. */
export interface Item {
  message: Message<unknown>;
  event?: LinkEvent;
  outcome?: Outcome;
}

/** A message whose envelope parsed: the steps after parsing only ever see these. */
export interface EventItem extends Item {
  event: LinkEvent;
}

/** The items no step has decided yet: each step works on these only. */
export function undecided<T extends Item>(items: T[]): T[] {
  return items.filter((i) => !i.outcome);
}

export function hasEvent(item: Item): item is EventItem {
  return item.event !== undefined;
}
