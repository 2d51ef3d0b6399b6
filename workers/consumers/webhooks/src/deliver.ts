import { z } from "zod";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { webhookEndpoints, type DeliveryRow, type EndpointRow } from "../../../../db/webhooks";
import { configOf } from "./config";
import { disableEndpointStatements } from "./endpoint-log";
import { nextDelaySeconds, parseRetryAfter } from "./retry-schedule";
import { decryptSecret, signatureFor } from "./secrets";
import { endpointUrlProblem, resolvedAddressProblem } from "./url-policy";

export const deliveryMessageSchema = z.strictObject({ endpointId: z.string().min(1).max(64), eventId: z.string().min(1).max(64) });
export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;

export const USER_AGENT = "Linkflow-Webhooks/1.0";
const TIMEOUT_MS = 15_000;
const EXCERPT_BYTES = 1024;

export type AttemptOutcome = { kind: "done" } | { kind: "retry"; delaySeconds: number } | { kind: "not-yet-written" };

/** Reads at most `limit` bytes of a response and drops the rest: an endpoint cannot make us buffer megabytes. */
async function excerptOf(res: Response, limit: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all.slice(0, limit));
}

/** Every signature the endpoint should accept now: the current secret, and the previous one during its 24 h. */
async function signatures(endpoint: EndpointRow, masterKey: string, id: string, timestamp: number, body: string, now: Date): Promise<string> {
  const secrets = [await decryptSecret(endpoint.secretCipher, masterKey)];
  if (endpoint.previousSecretCipher && endpoint.previousSecretExpiresAt && Date.parse(endpoint.previousSecretExpiresAt) > now.getTime()) {
    secrets.push(await decryptSecret(endpoint.previousSecretCipher, masterKey));
  }
  return (await Promise.all(secrets.map((s) => signatureFor(s, id, timestamp, body)))).join(" ");
}

/**
 * One HTTP attempt of one delivery. Only 2xx succeeds; 410 disables the endpoint; any
 * other failure is retried on the schedule (or the endpoint's Retry-After) until the
 * attempts run out or the endpoint has failed too many times in a row.
 */
export async function attemptDelivery(env: WebhooksEnv, message: DeliveryMessage, now: Date): Promise<AttemptOutcome> {
  const db = env.WEBHOOKS_DB;
  const config = configOf(env);
  const delivery = await db
    .prepare("SELECT id, status, attempts, event_id, payload FROM webhook_deliveries WHERE endpoint_id = ? AND event_id = ?")
    .bind(message.endpointId, message.eventId)
    .first<{ id: string; status: DeliveryRow["status"]; attempts: number; event_id: string; payload: string }>();
  if (!delivery) return { kind: "not-yet-written" };
  if (delivery.status === "delivered" || delivery.status === "failed") return { kind: "done" };
  const endpoint = await drizzle(db).select().from(webhookEndpoints).where(eq(webhookEndpoints.id, message.endpointId)).get();
  const at = now.toISOString();
  const fail = (error: string, extra: D1PreparedStatement[] = []) =>
    db.batch([
      db.prepare("UPDATE webhook_deliveries SET status = 'failed', last_error = ?2, next_attempt_at = NULL WHERE id = ?1").bind(delivery.id, error),
      ...extra,
    ]);
  if (!endpoint) {
    await fail("the endpoint was deleted");
    return { kind: "done" };
  }
  if (!endpoint.enabled) {
    await fail(`the endpoint is disabled${endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ""}`);
    return { kind: "done" };
  }

  const attempts = delivery.attempts + 1;
  let status: number | null = null;
  let excerpt: string | null = null;
  let error: string | null = null;
  let retryAfter: number | null = null;
  const problem = endpointUrlProblem(endpoint.url, config) ?? (await resolvedAddressProblem(endpoint.url, config));
  if (problem) error = `refused: the URL ${problem}`;
  else {
    const timestamp = Math.floor(now.getTime() / 1000);
    try {
      const res = await fetch(endpoint.url, {
        method: "POST",
        redirect: "manual", // a redirect could lead anywhere, including inside the network
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: {
          "content-type": "application/json",
          "user-agent": USER_AGENT,
          "webhook-id": delivery.event_id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": await signatures(endpoint, config.WEBHOOK_SECRETS_KEY, delivery.event_id, timestamp, delivery.payload, now),
        },
        body: delivery.payload,
      });
      status = res.status;
      excerpt = await excerptOf(res, EXCERPT_BYTES);
      retryAfter = parseRetryAfter(res.headers.get("retry-after"), now);
      if (!res.ok) error = `the endpoint answered ${res.status}`;
    } catch (e) {
      error = e instanceof Error && e.name === "TimeoutError" ? `no answer within ${TIMEOUT_MS / 1000} s` : `request failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  const record = (state: string, next: string | null) =>
    db
      .prepare(
        `UPDATE webhook_deliveries SET status = ?2, attempts = ?3, response_status = ?4, response_excerpt = ?5, last_error = ?6,
         next_attempt_at = ?7, delivered_at = CASE ?2 WHEN 'delivered' THEN ?8 ELSE delivered_at END WHERE id = ?1`,
      )
      .bind(delivery.id, state, attempts, status, excerpt, error, next, at);

  if (error === null) {
    await db.batch([record("delivered", null), db.prepare("UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE id = ?").bind(endpoint.id)]);
    return { kind: "done" };
  }
  if (status === 410) {
    await db.batch([record("failed", null), ...disableEndpointStatements(db, endpoint, "the endpoint answered 410 Gone", at)]);
    return { kind: "done" };
  }
  const failures = endpoint.consecutiveFailures + 1;
  const countFailure = db.prepare("UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1 WHERE id = ?").bind(endpoint.id);
  if (failures >= config.WEBHOOKS_DISABLE_AFTER_FAILURES) {
    await db.batch([record("failed", null), countFailure, ...disableEndpointStatements(db, endpoint, `${failures} failed attempts in a row; last: ${error}`, at)]);
    return { kind: "done" };
  }
  const delay = nextDelaySeconds(attempts, retryAfter);
  if (delay === null) {
    await db.batch([record("failed", null), countFailure]);
    return { kind: "done" };
  }
  await db.batch([record("retrying", new Date(now.getTime() + delay * 1000).toISOString()), countFailure]);
  return { kind: "retry", delaySeconds: delay };
}
