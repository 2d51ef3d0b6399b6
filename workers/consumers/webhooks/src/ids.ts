import { monotonicFactory } from "ulid";

const ulid = monotonicFactory();

export function newId(prefix: "whk" | "dlv" | "att" | "wev" | "evt"): string {
  return `${prefix}_${ulid()}`;
}
