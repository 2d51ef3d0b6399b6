// The delivery ledger through the public API: GET /v1/events?subject= and GET /v1/events/:id.
import { z } from "zod";
import { getJson, mapConcurrent } from "./api.mjs";

const eventPage = z.object({ data: z.array(z.object({ id: z.string(), type: z.string() })) });
const eventDetail = z.object({
  deliveries: z.array(
    z.object({
      subscriber: z.string(),
      status: z.enum(["pending", "delivered", "retrying", "dead"]),
      duplicates: z.number(),
      processedAt: z.string().nullable(),
    }),
  ),
});

/** @typedef {z.infer<typeof eventDetail>["deliveries"][number]} Delivery */

/**
 * The id of each link's event of `type` (one event per link and type in these runs).
 * @param {URL} base
 * @param {import("./api.mjs").Team} team
 * @param {string[]} linkIds
 * @param {string} type
 */
export async function eventIdsOf(base, team, linkIds, type) {
  return mapConcurrent(linkIds, 8, async (id) => {
    const page = await getJson(eventPage, base, team, `/v1/events?subject=${id}&type=${type}`);
    const event = page.data[0];
    if (!event) throw new Error(`no ${type} event for ${id}`);
    return event.id;
  });
}

/**
 * @param {URL} base
 * @param {import("./api.mjs").Team} team
 * @param {string} eventId
 * @returns {Promise<Delivery[]>}
 */
export async function deliveriesOf(base, team, eventId) {
  return (await getJson(eventDetail, base, team, `/v1/events/${eventId}`)).deliveries;
}

/**
 * Every event's deliveries, read again until each subscriber in `present` says delivered (or the
 * time is up: then what is still open is returned as it stands).
 * @param {URL} base
 * @param {import("./api.mjs").Team} team
 * @param {string[]} eventIds
 * @param {Set<string>} present subscribers whose Worker runs
 * @param {number} timeoutMs
 * @returns {Promise<Map<string, Delivery[]>>}
 */
export async function settledDeliveries(base, team, eventIds, present, timeoutMs) {
  /** @type {Map<string, Delivery[]>} */
  const byEvent = new Map();
  const deadline = Date.now() + timeoutMs;
  let open = eventIds;
  for (;;) {
    const read = await mapConcurrent(open, 8, (id) => deliveriesOf(base, team, id));
    open.forEach((id, i) => byEvent.set(id, read[i] ?? []));
    // Open while a present subscriber has no delivery yet (the fan-out has not routed it) or an undelivered one.
    open = open.filter((id) => {
      const mine = (byEvent.get(id) ?? []).filter((d) => present.has(d.subscriber));
      return mine.length < present.size || mine.some((d) => d.status !== "delivered");
    });
    if (open.length === 0 || Date.now() > deadline) return byEvent;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
