import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Webhook } from "standardwebhooks";
import { vi } from "vitest";
import { webhookDeliveries, webhookEndpoints } from "#db/webhooks";
import type { LinkEvent } from "#events";
import { sampleEvents } from "#events/samples";
import { deliverBatch } from "../../../../test/support/consumer-harness";
import { configOf } from "../src/config";
import { attemptDelivery, type AttemptOutcome } from "../src/deliver";
import type { DeliveryMessage } from "../src/delivery-message";
import { resolverFor } from "../../../shared/url-safety/dns-resolver";
import { webhookBody, type WebhookSourceEvent } from "../src/event-names";
import { newId } from "../../../shared/ids";
import worker from "../src/index";
import type { Webhooks } from "../src/webhooks-rpc";
import type { DeliveryView } from "#contracts/webhooks/endpoints";
import type { ReceivedRequest } from "./outbound";

/** The Worker's own RPC entrypoint over real RPC (generated types only type the api's exports). */
export const webhooks = (exports as unknown as Record<"Webhooks", Service<Webhooks>>).Webhooks;

let seq = 0;
export function teamId(): string {
  seq += 1;
  return `team_01JG${String(seq).padStart(22, "0")}`;
}

export function linkEvent(team: string, key: keyof typeof sampleEvents = "LinkCreated.v3"): LinkEvent {
  seq += 1;
  return { ...structuredClone(sampleEvents[key]), id: `evt_01JG${String(seq).padStart(22, "0")}`, teamId: team } as LinkEvent;
}

/** Hands events to the Worker's subscriber queue handler (the toolkit), as the fan-out would. */
export function publish(events: LinkEvent[]) {
  return deliverBatch(worker, env, "webhook-events", events);
}

/** The cap the api passes for a pro team; tests of the cap pass their own. */
export const MAX_ENDPOINTS = 50;

export async function createEndpoint(team: string, url: string, events = ["link.created", "link.updated", "link.deleted", "link.clicked"]) {
  const result = await webhooks.create({ teamId: team, url, events, maxEndpoints: MAX_ENDPOINTS });
  if (!result.ok) throw new Error(`create failed: ${JSON.stringify(result.error)}`);
  return result.value;
}

export async function received(pathPrefix: string): Promise<ReceivedRequest[]> {
  const all = (await (await env.RECEIVED.fetch("https://received/")).json()) as ReceivedRequest[];
  return all.filter((r) => new URL(r.url).pathname.startsWith(pathPrefix));
}

export async function waitForReceived(pathPrefix: string, count: number): Promise<ReceivedRequest[]> {
  return vi.waitUntil(
    async () => {
      const list = await received(pathPrefix);
      return list.length >= count ? list : false;
    },
    { timeout: 20_000, interval: 50 },
  );
}

export async function deliveriesOf(team: string, endpointId: string): Promise<DeliveryView[]> {
  const result = await webhooks.deliveries({ teamId: team, endpointId });
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value.data;
}

export async function waitForDelivery(team: string, endpointId: string, done: (d: DeliveryView) => boolean): Promise<DeliveryView> {
  return vi.waitUntil(async () => (await deliveriesOf(team, endpointId)).find(done) ?? false, { timeout: 20_000, interval: 50 });
}

/** A delivery row as the fan-out's effect writes it, without its queue message: the test drives the attempts. */
export async function insertDelivery(
  team: string,
  endpointId: string,
  event: WebhookSourceEvent = linkEvent(team) as WebhookSourceEvent,
): Promise<DeliveryMessage> {
  await drizzle(env.WEBHOOKS_DB)
    .insert(webhookDeliveries)
    .values({
      id: newId("dlv"),
      endpointId,
      teamId: team,
      eventId: event.id,
      eventType: "link.created",
      payload: webhookBody(event),
      status: "pending",
      attempts: 0,
      createdAt: new Date().toISOString(),
    });
  return { endpointId, eventId: event.id, attempt: 1 };
}

/**
 * Runs attempts of the delivery state machine at times the test chooses (the injected
 * clock), with the real D1, resolver and outbound HTTP; the messages it would queue for
 * later attempts are kept in `scheduled` instead, so the test decides when they arrive.
 */
export function clockedAttempts() {
  const scheduled: { message: DeliveryMessage; delaySeconds: number }[] = [];
  return {
    scheduled,
    attempt(message: DeliveryMessage, at: number): Promise<AttemptOutcome> {
      const schedule = async (next: DeliveryMessage, delaySeconds: number) => {
        scheduled.push({ message: next, delaySeconds });
      };
      return attemptDelivery({ env, now: new Date(at), resolver: resolverFor(configOf(env).WEBHOOKS_DNS_RESOLVER), schedule }, message);
    },
  };
}

/** The official verifier, run as if its clock read `at` (it refuses timestamps 5 min away from its own). */
export function verifyAt(secret: string, request: ReceivedRequest | undefined, at: number): unknown {
  vi.useFakeTimers({ toFake: ["Date"], now: at });
  try {
    return new Webhook(secret).verify(request?.body ?? "", request?.headers ?? {});
  } finally {
    vi.useRealTimers();
  }
}

export async function deliveryRow(endpointId: string, eventId: string) {
  const row = await drizzle(env.WEBHOOKS_DB)
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.eventId, eventId)))
    .get();
  if (!row) throw new Error(`no delivery of ${eventId} to ${endpointId}`);
  return row;
}

export async function endpointRow(endpointId: string) {
  const row = await drizzle(env.WEBHOOKS_DB).select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpointId)).get();
  if (!row) throw new Error(`no endpoint ${endpointId}`);
  return row;
}

export async function endpointEvents(endpointId: string) {
  const { results } = await env.WEBHOOKS_DB.prepare("SELECT type, reason FROM webhook_endpoint_events WHERE endpoint_id = ? ORDER BY id")
    .bind(endpointId)
    .all();
  return results;
}
