import { createMessageBatch } from "cloudflare:test";
import type { LinkEvent } from "#events";
import { sampleEvents } from "#events/samples";
import type { EventItem } from "../consumer/batch-item";
import { firstOfEachEvent, parseBatch } from "../consumer/parse-batch";

/** A sample event with an id of its own: `prefix` (4 characters) keeps each test file's ids apart. */
export function eventNumbered(prefix: string, n: number, sample: "LinkDeleted.v1" | "LinkClicked.v1" = "LinkDeleted.v1"): LinkEvent {
  return { ...structuredClone(sampleEvents[sample]), id: `evt_${prefix}${String(n).padStart(22, "0")}` } as LinkEvent;
}

/** Real queue messages (ack and retry recorded by getQueueResult) carrying these bodies. */
export function messagesOf(queue: string, bodies: unknown[], attempts = 1) {
  return createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `${queue}-${i}`, timestamp: new Date(), attempts, body })),
  ).messages;
}

/** The items the steps after parsing get: these events parsed, each once. */
export function itemsOf(events: LinkEvent[]): EventItem[] {
  return firstOfEachEvent(parseBatch(messagesOf("analytics-events", events), () => null));
}
