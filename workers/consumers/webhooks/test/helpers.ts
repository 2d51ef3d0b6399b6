import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { vi } from "vitest";
import type { LinkEvent } from "../../../../events";
import { sampleEvents } from "../../../../events/samples";
import { deliverBatch } from "../../../../test/support/consumer-harness";
import worker from "../src/index";
import type { Webhooks } from "../src/webhooks-rpc";
import type { DeliveryView } from "../src/rpc-schemas";
import type { ReceivedRequest } from "./outbound";

/** The Worker's own RPC entrypoint over real RPC (generated types only type the api's exports). */
export const webhooks = (exports as unknown as Record<"Webhooks", Service<Webhooks>>).Webhooks;

let seq = 0;
export function teamId(): string {
  seq += 1;
  return `team_01JG${String(seq).padStart(22, "0")}`;
}

export function linkEvent(team: string, key: keyof typeof sampleEvents = "LinkCreated.v2"): LinkEvent {
  seq += 1;
  return { ...structuredClone(sampleEvents[key]), id: `evt_01JG${String(seq).padStart(22, "0")}`, teamId: team } as LinkEvent;
}

/** Hands events to the Worker's subscriber queue handler (the toolkit), as the fan-out would. */
export function publish(events: LinkEvent[]) {
  return deliverBatch(worker, env, "webhook-events", events);
}

export async function createEndpoint(team: string, url: string, events = ["link.created", "link.updated", "link.deleted", "link.clicked"]) {
  const result = await webhooks.create({ teamId: team, url, events });
  if (!result.ok) throw new Error(`create failed: ${JSON.stringify(result.error)}`);
  return result.value;
}

export async function received(pathPrefix: string): Promise<ReceivedRequest[]> {
  const all = (await (await env.RECEIVED.fetch("https://received/")).json()) as ReceivedRequest[];
  return all.filter((r) => new URL(r.url).pathname.startsWith(pathPrefix));
}

export async function waitForReceived(pathPrefix: string, count: number): Promise<ReceivedRequest[]> {
  return vi.waitUntil(async () => {
    const list = await received(pathPrefix);
    return list.length >= count ? list : false;
  }, { timeout: 20_000, interval: 50 });
}

export async function deliveriesOf(team: string, endpointId: string): Promise<DeliveryView[]> {
  const result = await webhooks.deliveries({ teamId: team, endpointId });
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value.data;
}

export async function waitForDelivery(team: string, endpointId: string, done: (d: DeliveryView) => boolean): Promise<DeliveryView> {
  return vi.waitUntil(async () => (await deliveriesOf(team, endpointId)).find(done) ?? false, { timeout: 20_000, interval: 50 });
}
