import { monotonicFactory } from "ulid";

const ulid = monotonicFactory();

export function newId(prefix: "whk" | "dlv" | "wev" | "evt"): string {
  return `${prefix}_${ulid()}`;
}
