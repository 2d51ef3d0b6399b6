import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { webhookEndpoints, type EndpointRow } from "#db/webhooks";
import { configOf, urlPolicyOf } from "./config";
import type { DeliveryMessage } from "./delivery-message";
import type { HostResolver } from "../../../shared/url-safety/dns-resolver";
import { disableCause, disableEndpointStatements, healthStatement, type EndpointHealth, type Verdict } from "./endpoint-health";
import { newId } from "../../../shared/ids";
import { nextDelaySeconds } from "./retry-schedule";
import { decryptSecret } from "./secrets";
import { sendWebhook, TIMEOUT_MS, type SendResult } from "./send-webhook";
import { resolvedAddressProblem, urlProblem } from "../../../shared/url-safety/url-policy";

/** How long an attempt holds its claim: the request's timeout, the DNS check and the bookkeeping, with room to spare. */
export const LEASE_SECONDS = TIMEOUT_MS / 1000 + 45;

export interface DeliveryContext {
  env: WebhooksEnv;
  /** This attempt's clock: the signature's timestamp, the rotation overlap, the schedule, days of failing. */
  now: Date;
  resolver: HostResolver | null;
  /** Sends the message of a later attempt: the queue with a delay in the Worker; a list in tests. */
  schedule(message: DeliveryMessage, delaySeconds: number): Promise<void>;
}

export type AttemptOutcome =
  | { kind: "attempted"; verdict: Verdict }
  /** Nothing to send: a copy of a message for an attempt already made, or a delivery that cannot be sent any more. */
  | { kind: "skipped"; why: string }
  /** Not yet: this message should come back later. */
  | { kind: "wait"; why: "row-missing" | "held"; delaySeconds: number };

interface DeliveryState {
  id: string;
  status: string;
  attempts: number;
  leaseUntil: string | null;
}

/**
 * Attempt `message.attempt` of one delivery. The attempt first claims the row (attempts
 * still one less, no live claim), so copies of a message, a redelivery racing a retry, or
 * an event fanned out twice send one request per attempt. Only 2xx succeeds;
 * 410 disables the endpoint; any other failure schedules the next attempt (the schedule,
 * or the endpoint's Retry-After) until the attempts run out.
 */
export async function attemptDelivery(ctx: DeliveryContext, message: DeliveryMessage): Promise<AttemptOutcome> {
  const db = ctx.env.WEBHOOKS_DB;
  const at = ctx.now.toISOString();
  const row = await db
    .prepare("SELECT id, status, attempts, lease_until AS leaseUntil FROM webhook_deliveries WHERE endpoint_id = ? AND event_id = ?")
    .bind(message.endpointId, message.eventId)
    .first<DeliveryState>();
  // The fan-out sends messages just before it commits their rows (see event-deliveries.ts).
  if (!row) return { kind: "wait", why: "row-missing", delaySeconds: 2 };
  const heldFor = row.leaseUntil === null ? 0 : Math.ceil((Date.parse(row.leaseUntil) - ctx.now.getTime()) / 1000);
  if (row.status === "delivered" || row.status === "failed") return { kind: "skipped", why: `the delivery is ${row.status}` };
  if (row.attempts >= message.attempt) return { kind: "skipped", why: `attempt ${message.attempt} was made already` };
  if (row.attempts < message.attempt - 1) {
    // The attempt before is still being recorded (it sends this message first), or the
    // delivery was started over by a redelivery and this message belongs to the old run.
    return heldFor > 0 ? { kind: "wait", why: "held", delaySeconds: heldFor } : { kind: "skipped", why: "superseded" };
  }

  const token = crypto.randomUUID();
  const claimed = await db
    .prepare(
      `UPDATE webhook_deliveries SET lease_token = ?2, lease_until = ?3
       WHERE id = ?1 AND attempts = ?4 AND status IN ('pending', 'retrying') AND (lease_until IS NULL OR lease_until <= ?5)
       RETURNING event_id AS eventId, payload`,
    )
    .bind(row.id, token, new Date(ctx.now.getTime() + LEASE_SECONDS * 1000).toISOString(), message.attempt - 1, at)
    .first<{ eventId: string; payload: string }>();
  if (!claimed) return { kind: "wait", why: "held", delaySeconds: Math.max(1, heldFor) };

  const endpoint = await drizzle(db).select().from(webhookEndpoints).where(eq(webhookEndpoints.id, message.endpointId)).get();
  if (!endpoint?.enabled) {
    const why = endpoint ? `the endpoint is disabled${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ""}` : "the endpoint was removed";
    // Not an attempt: the delivery ends here without counting against the endpoint.
    await db
      .prepare(
        "UPDATE webhook_deliveries SET status = 'failed', last_error = ?3, next_attempt_at = NULL, lease_token = NULL, lease_until = NULL WHERE id = ?1 AND lease_token = ?2",
      )
      .bind(row.id, token, why)
      .run();
    return { kind: "skipped", why };
  }

  const config = configOf(ctx.env);
  const problem = urlProblem(endpoint.url, urlPolicyOf(config)) ?? (await resolvedAddressProblem(endpoint.url, urlPolicyOf(config), ctx.resolver));
  const result: SendResult = problem
    ? { status: null, excerpt: null, error: `refused: the URL ${problem}`, retryAfterSeconds: null }
    : await sendWebhook({
        url: endpoint.url,
        webhookId: claimed.eventId,
        body: claimed.payload,
        secrets: await signingSecrets(endpoint, config.WEBHOOK_SECRETS_KEY, ctx.now),
        now: ctx.now,
      });

  const delay = result.error === null || result.status === 410 ? null : nextDelaySeconds(message.attempt, result.retryAfterSeconds);
  const verdict: Verdict = result.error === null ? "delivered" : delay === null ? "failed" : "retrying";
  // Sent before the record: recorded first, a failed send would leave the delivery waiting forever.
  if (delay !== null) await ctx.schedule({ ...message, attempt: message.attempt + 1 }, delay);
  const nextAttemptAt = delay === null ? null : new Date(ctx.now.getTime() + delay * 1000).toISOString();
  const [, , health] = await db.batch<EndpointHealth>([
    db
      .prepare(
        `UPDATE webhook_deliveries SET status = ?3, attempts = ?4, response_status = ?5, response_excerpt = ?6, last_error = ?7, next_attempt_at = ?8,
         delivered_at = CASE ?3 WHEN 'delivered' THEN ?9 ELSE delivered_at END, lease_token = NULL, lease_until = NULL
         WHERE id = ?1 AND lease_token = ?2`,
      )
      .bind(row.id, token, verdict, message.attempt, result.status, result.excerpt, result.error, nextAttemptAt, at),
    // Each statement below applies only if the one before it did (changes() = 1): all of them, or none if the claim was lost.
    db
      .prepare(
        `INSERT INTO webhook_delivery_attempts (id, delivery_id, endpoint_id, attempt, attempted_at, response_status, error)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE changes() = 1`,
      )
      .bind(newId("att"), row.id, endpoint.id, message.attempt, at, result.status, result.error),
    healthStatement(db, endpoint.id, verdict, at),
  ]);
  const state = health?.results[0];
  // No row back: the claim was lost (a redelivery started the delivery over), so this attempt counts for nothing.
  const cause = state ? disableCause({ verdict, status: result.status, error: result.error }, state, config, ctx.now) : null;
  if (cause) await db.batch(disableEndpointStatements(db, endpoint, cause, at));
  return { kind: "attempted", verdict };
}

/** The current secret, and the previous one while its 24 h after a rotation last. */
async function signingSecrets(endpoint: EndpointRow, masterKey: string, now: Date): Promise<string[]> {
  const secrets = [await decryptSecret(endpoint.secretCipher, masterKey, endpoint.id)];
  const previousValid = endpoint.previousSecretExpiresAt !== null && Date.parse(endpoint.previousSecretExpiresAt) > now.getTime();
  if (endpoint.previousSecretCipher && previousValid) secrets.push(await decryptSecret(endpoint.previousSecretCipher, masterKey, endpoint.id));
  return secrets;
}
