import { WorkerEntrypoint } from "cloudflare:workers";
import { and, eq, gt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { webhookDeliveries, webhookDeliveryAttempts, webhookEndpointEvents, webhookEndpoints, type EndpointRow } from "#db/webhooks";
import { configOf, urlPolicyOf } from "./config";
import type { DeliveryMessage } from "./delivery-message";
import { resolverFor } from "../../../shared/url-safety/dns-resolver";
import { TEST_EVENT } from "./event-names";
import { attemptLogOf, deliveryPage, deliveryView, findDelivery } from "./delivery-log";
import { endpointUpdateSet, receiverHasNotOptedOut, receiverOptOutConflict } from "./endpoint-changes";
import { sweepStranded, type SweepCounts } from "./stranded-deliveries";
import { newId } from "../../../shared/ids";
import {
  createInputSchema,
  deliveriesInputSchema,
  endpointInputSchema,
  listInputSchema,
  oneDeliveryInputSchema,
  updateInputSchema,
  type DeliveryAttemptView,
  type DeliveryView,
  type EndpointView,
} from "#contracts/webhooks/endpoints";
import { parseRpcInput, rpcRefusal, type RpcError, type RpcResult } from "../../../shared/rpc";
import { decryptSecret, encryptSecret, generateSecret, isUnsealed } from "./secrets";
import { resolvedAddressProblem, urlProblem } from "../../../shared/url-safety/url-policy";

const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

const notFound = () => rpcRefusal("not_found", "Webhook endpoint not found.");

function endpointView(row: EndpointRow): EndpointView {
  const { id, url, events, description, enabled, disabledReason, disabledAt, disabledBy, createdAt, updatedAt } = row;
  return { id, url, events, description, enabled, disabledReason, disabledAt, disabledBy, createdAt, updatedAt };
}

/**
 * The webhooks service's RPC face, for the api Worker's /v1/webhooks routes. Every
 * method is team-scoped and answers a result (refusals keep their code and issues,
 * which a thrown error would lose over RPC).
 */
export class Webhooks extends WorkerEntrypoint<WebhooksEnv> {
  private get db() {
    return drizzle(this.env.WEBHOOKS_DB);
  }

  /** The stranded-delivery sweep, for the api's reconciler run (README "Reconciliation"): the same as this Worker's minute cron. */
  async sweepStranded(): Promise<SweepCounts> {
    return sweepStranded(this.env, new Date());
  }

  private async urlProblem(url: string): Promise<RpcError | null> {
    const config = configOf(this.env);
    const problem = urlProblem(url, urlPolicyOf(config)) ?? (await resolvedAddressProblem(url, urlPolicyOf(config), resolverFor(config.WEBHOOKS_DNS_RESOLVER)));
    return problem ? { code: "invalid_request", message: `The url ${problem}.`, issues: [{ path: "url", message: problem }] } : null;
  }

  private find(teamId: string, endpointId: string) {
    return this.db
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.teamId, teamId)))
      .get();
  }

  async create(input: unknown): Promise<RpcResult<EndpointView & { secret: string }>> {
    const parsed = parseRpcInput(createInputSchema, input);
    if (!parsed.ok) return parsed;
    const { teamId, url, events, description, maxEndpoints } = parsed.value;
    const problem = await this.urlProblem(url);
    if (problem) return { ok: false, error: problem };
    const secret = generateSecret();
    const now = new Date().toISOString();
    const id = newId("whk");
    const row: EndpointRow = {
      id,
      teamId,
      url,
      events,
      description: description ?? null,
      enabled: true,
      disabledReason: null,
      disabledAt: null,
      disabledBy: null,
      secretCipher: await encryptSecret(secret, configOf(this.env).WEBHOOK_SECRETS_KEY, id),
      previousSecretCipher: null,
      previousSecretExpiresAt: null,
      consecutiveFailures: 0,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
    };
    // The count and the insert are one statement, so concurrent creates cannot both take the last place.
    const inserted = await this.env.WEBHOOKS_DB.prepare(
      `INSERT INTO webhook_endpoints (id, team_id, url, description, events, enabled, secret_cipher, consecutive_failures, created_at, updated_at)
       SELECT ?1, ?2, ?3, ?4, ?5, 1, ?6, 0, ?7, ?7 WHERE (SELECT count(*) FROM webhook_endpoints WHERE team_id = ?2) < ?8`,
    )
      .bind(row.id, teamId, url, row.description, JSON.stringify(events), row.secretCipher, now, maxEndpoints)
      .run();
    if (inserted.meta.changes !== 1) {
      return rpcRefusal("quota_exceeded", `The team's plan allows ${maxEndpoints} webhook endpoints, and it has that many; remove one before adding another.`);
    }
    return { ok: true, value: { ...endpointView(row), secret } };
  }

  async list(input: unknown): Promise<RpcResult<{ data: EndpointView[]; nextAfterId: string | null }>> {
    const parsed = parseRpcInput(listInputSchema, input);
    if (!parsed.ok) return parsed;
    const { teamId, limit, afterId } = parsed.value;
    const rows = await this.db
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.teamId, teamId), afterId ? gt(webhookEndpoints.id, afterId) : undefined))
      .orderBy(webhookEndpoints.id)
      .limit(limit + 1)
      .all();
    const page = rows.slice(0, limit);
    return { ok: true, value: { data: page.map(endpointView), nextAfterId: rows.length > limit ? (page.at(-1)?.id ?? null) : null } };
  }

  async get(input: unknown): Promise<RpcResult<EndpointView>> {
    const parsed = parseRpcInput(endpointInputSchema, input);
    if (!parsed.ok) return parsed;
    const row = await this.find(parsed.value.teamId, parsed.value.endpointId);
    return row ? { ok: true, value: endpointView(row) } : notFound();
  }

  async update(input: unknown): Promise<RpcResult<EndpointView>> {
    const parsed = parseRpcInput(updateInputSchema, input, "changes");
    if (!parsed.ok) return parsed;
    const { teamId, endpointId, changes } = parsed.value;
    const row = await this.find(teamId, endpointId);
    if (!row) return notFound();
    const optOut = receiverOptOutConflict(row, changes);
    if (optOut) return optOut;
    if (changes.url !== undefined) {
      const problem = await this.urlProblem(changes.url);
      if (problem) return { ok: false, error: problem };
    }
    const now = new Date().toISOString();
    const set = endpointUpdateSet(changes, now);
    // Enabling without the acknowledgement applies only if the receiver has not opted out since the read above.
    const receiverStillOptedIn = changes.enabled === true && changes.receiverOptOutAcknowledged !== true ? receiverHasNotOptedOut() : undefined;
    const updated = await this.db
      .update(webhookEndpoints)
      .set(set)
      .where(and(eq(webhookEndpoints.id, row.id), receiverStillOptedIn))
      .returning()
      .get();
    if (!updated) {
      // Nothing changed: the receiver opted out after the read above, or the endpoint was removed.
      const current = await this.find(teamId, endpointId);
      return (current && receiverOptOutConflict(current, changes)) ?? notFound();
    }
    if (changes.enabled === true && !row.enabled) {
      await this.db.insert(webhookEndpointEvents).values({
        id: newId("wev"),
        endpointId: row.id,
        teamId,
        type: "endpoint.enabled",
        createdAt: now,
        reason: row.disabledBy === "receiver" ? "enabled by the team, acknowledging that the receiver had answered 410 Gone" : "enabled by the team",
      });
    }
    return { ok: true, value: endpointView(updated) };
  }

  /** Removes the endpoint with its delivery log; messages still queued for it find nothing to send. */
  async remove(input: unknown): Promise<RpcResult<null>> {
    const parsed = parseRpcInput(endpointInputSchema, input);
    if (!parsed.ok) return parsed;
    const { teamId, endpointId } = parsed.value;
    if (!(await this.find(teamId, endpointId))) return notFound();
    await this.db.batch([
      this.db.delete(webhookEndpoints).where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.teamId, teamId))),
      this.db.delete(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId)),
      this.db.delete(webhookDeliveryAttempts).where(eq(webhookDeliveryAttempts.endpointId, endpointId)),
      this.db.delete(webhookEndpointEvents).where(eq(webhookEndpointEvents.endpointId, endpointId)),
    ]);
    return { ok: true, value: null };
  }

  /** A new secret; the old one keeps signing (as a second signature) for 24 h so receivers can switch over. */
  async rotateSecret(input: unknown): Promise<RpcResult<{ secret: string }>> {
    const parsed = parseRpcInput(endpointInputSchema, input);
    if (!parsed.ok) return parsed;
    const row = await this.find(parsed.value.teamId, parsed.value.endpointId);
    if (!row) return notFound();
    const secret = generateSecret();
    const now = Date.now();
    const key = configOf(this.env).WEBHOOK_SECRETS_KEY;
    // A secret stored before secrets were sealed to their endpoint is sealed now, as it becomes the previous one.
    const previous = isUnsealed(row.secretCipher) ? await encryptSecret(await decryptSecret(row.secretCipher, key, row.id), key, row.id) : row.secretCipher;
    await this.db
      .update(webhookEndpoints)
      .set({
        secretCipher: await encryptSecret(secret, key, row.id),
        previousSecretCipher: previous,
        previousSecretExpiresAt: new Date(now + ROTATION_OVERLAP_MS).toISOString(),
        updatedAt: new Date(now).toISOString(),
      })
      .where(eq(webhookEndpoints.id, row.id));
    return { ok: true, value: { secret } };
  }

  /** Sends a `webhook.test` event to this endpoint alone, as a delivery like any other. */
  async sendTest(input: unknown): Promise<RpcResult<{ deliveryId: string; eventId: string }>> {
    const parsed = parseRpcInput(endpointInputSchema, input);
    if (!parsed.ok) return parsed;
    const row = await this.find(parsed.value.teamId, parsed.value.endpointId);
    if (!row) return notFound();
    if (!row.enabled) return rpcRefusal("conflict", "The endpoint is disabled; enable it first.");
    const now = new Date().toISOString();
    const eventId = newId("evt");
    const payload = JSON.stringify({ type: TEST_EVENT, timestamp: now, data: { endpointId: row.id, message: "This is a test event from Linkflow." } });
    const delivery = {
      id: newId("dlv"),
      endpointId: row.id,
      teamId: row.teamId,
      eventId,
      eventType: TEST_EVENT,
      payload,
      status: "pending" as const,
      attempts: 0,
      createdAt: now,
    };
    // Message first, as the fan-out does: a row without its message would stay pending forever.
    await this.enqueue({ endpointId: row.id, eventId, attempt: 1 });
    await this.db.insert(webhookDeliveries).values(delivery);
    return { ok: true, value: { deliveryId: delivery.id, eventId } };
  }

  async deliveries(input: unknown): Promise<RpcResult<{ data: DeliveryView[]; nextBeforeId: string | null }>> {
    const parsed = parseRpcInput(deliveriesInputSchema, input);
    if (!parsed.ok) return parsed;
    const { teamId, endpointId, limit, beforeId } = parsed.value;
    if (!(await this.find(teamId, endpointId))) return notFound();
    return { ok: true, value: await deliveryPage(this.db, endpointId, limit, beforeId) };
  }

  /** One delivery with every attempt made of it, oldest first. */
  async delivery(input: unknown): Promise<RpcResult<DeliveryView & { attemptLog: DeliveryAttemptView[] }>> {
    const parsed = parseRpcInput(oneDeliveryInputSchema, input);
    if (!parsed.ok) return parsed;
    const { teamId, endpointId, deliveryId } = parsed.value;
    if (!(await this.find(teamId, endpointId))) return notFound();
    const row = await findDelivery(this.db, endpointId, deliveryId);
    if (!row) return rpcRefusal("not_found", "Delivery not found.");
    return { ok: true, value: { ...deliveryView(row), attemptLog: await attemptLogOf(this.db, row.id) } };
  }

  /** Sends one delivery again from the start of its schedule (same webhook-id, same body). */
  async redeliver(input: unknown): Promise<RpcResult<null>> {
    const parsed = parseRpcInput(oneDeliveryInputSchema, input);
    if (!parsed.ok) return parsed;
    const { teamId, endpointId, deliveryId } = parsed.value;
    const endpoint = await this.find(teamId, endpointId);
    if (!endpoint) return notFound();
    if (!endpoint.enabled) return rpcRefusal("conflict", "The endpoint is disabled; enable it first.");
    const delivery = await findDelivery(this.db, endpointId, deliveryId);
    if (!delivery) return rpcRefusal("not_found", "Delivery not found.");
    // Started over: an attempt in flight loses its claim and records nothing; old messages find their attempt superseded.
    // Due now, not at its creation: the stranded-delivery sweep counts its grace from here.
    await this.db
      .update(webhookDeliveries)
      .set({
        status: "pending",
        attempts: 0,
        responseStatus: null,
        responseExcerpt: null,
        lastError: null,
        nextAttemptAt: new Date().toISOString(),
        deliveredAt: null,
        leaseToken: null,
        leaseUntil: null,
      })
      .where(eq(webhookDeliveries.id, delivery.id));
    try {
      await this.enqueue({ endpointId, eventId: delivery.eventId, attempt: 1 });
    } catch (error) {
      await this.db
        .update(webhookDeliveries)
        .set({ status: "failed", lastError: "the redelivery could not be queued" })
        .where(eq(webhookDeliveries.id, delivery.id));
      throw error;
    }
    return { ok: true, value: null };
  }

  private async enqueue(message: DeliveryMessage): Promise<void> {
    await this.env.WEBHOOK_DELIVERIES.send(message, { contentType: "json" });
  }
}
