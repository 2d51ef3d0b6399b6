import { monotonicFactory } from "ulid";

const ulid = monotonicFactory();

export function newDeadLetterId(): string {
  return `dlq_${ulid()}`;
}
