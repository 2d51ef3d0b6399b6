import { and, asc, desc, eq, lt } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { webhookDeliveries, webhookDeliveryAttempts, type DeliveryRow } from "#db/webhooks";
import type { DeliveryAttemptView, DeliveryView } from "#contracts/webhooks/endpoints";

/**
 * An endpoint's delivery log as the Webhooks RPC shows it (README "Webhooks"): pages of
 * deliveries newest first, one delivery with its attempts. Callers have checked the endpoint is
 * the team's; every read here is scoped to that endpoint.
 */

/** A delivery as the API shows it: no payload, no lease, no team or endpoint ids (the path has them). */
export function deliveryView(row: DeliveryRow): DeliveryView {
  const { endpointId: _e, teamId: _t, payload: _p, leaseToken: _l, leaseUntil: _u, ...view } = row;
  return view;
}

/** One delivery of the endpoint (undefined: none with that id there). */
export function findDelivery(db: DrizzleD1Database, endpointId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId)))
    .get();
}

/** A page of the endpoint's deliveries, newest first, before `beforeId` when given. */
export async function deliveryPage(
  db: DrizzleD1Database,
  endpointId: string,
  limit: number,
  beforeId: string | undefined,
): Promise<{ data: DeliveryView[]; nextBeforeId: string | null }> {
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.endpointId, endpointId), beforeId ? lt(webhookDeliveries.id, beforeId) : undefined))
    .orderBy(desc(webhookDeliveries.id))
    .limit(limit + 1)
    .all();
  const page = rows.slice(0, limit);
  return { data: page.map(deliveryView), nextBeforeId: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}

/** Every attempt made of a delivery, oldest first. */
export function attemptLogOf(db: DrizzleD1Database, deliveryId: string): Promise<DeliveryAttemptView[]> {
  return db
    .select({
      attempt: webhookDeliveryAttempts.attempt,
      attemptedAt: webhookDeliveryAttempts.attemptedAt,
      responseStatus: webhookDeliveryAttempts.responseStatus,
      error: webhookDeliveryAttempts.error,
    })
    .from(webhookDeliveryAttempts)
    .where(eq(webhookDeliveryAttempts.deliveryId, deliveryId))
    .orderBy(asc(webhookDeliveryAttempts.id))
    .all();
}
