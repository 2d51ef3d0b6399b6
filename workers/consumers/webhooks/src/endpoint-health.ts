import type { WebhooksConfig } from "./config";
import { newId } from "../../../shared/ids";
import type { DisabledBy } from "#contracts/webhooks/endpoints";

/** What one attempt did to its delivery. */
export type Verdict = "delivered" | "retrying" | "failed";

export interface EndpointHealth {
  consecutiveFailures: number;
  failingSince: string | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The endpoint's side of one recorded attempt. It runs last in the batch that records the
 * attempt and applies only if the statement before it did (`changes() = 1`: the attempt
 * still held its claim), so a duplicate or superseded attempt counts nothing. A success
 * ends the run of failures; a failed attempt starts one (`failing_since`); a delivery that
 * ends failed counts once towards the threshold (attempts do not: a short outage of a busy
 * endpoint fails many attempts, and those deliveries still arrive later).
 */
export function healthStatement(db: D1Database, endpointId: string, verdict: Verdict, now: string): D1PreparedStatement {
  const returning = "RETURNING consecutive_failures AS consecutiveFailures, failing_since AS failingSince";
  if (verdict === "delivered") {
    return db
      .prepare(`UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL WHERE id = ?1 AND changes() = 1 ${returning}`)
      .bind(endpointId);
  }
  const count = verdict === "failed" ? "consecutive_failures = consecutive_failures + 1, " : "";
  return db
    .prepare(`UPDATE webhook_endpoints SET ${count}failing_since = coalesce(failing_since, ?2) WHERE id = ?1 AND changes() = 1 ${returning}`)
    .bind(endpointId, now);
}

export interface DisableCause {
  by: Exclude<DisabledBy, "team">;
  reason: string;
}

/** Why the endpoint should be disabled after this attempt, and by whom, or null. */
export function disableCause(
  attempt: { verdict: Verdict; status: number | null; error: string | null },
  health: EndpointHealth,
  config: Pick<WebhooksConfig, "WEBHOOKS_DISABLE_AFTER_FAILURES" | "WEBHOOKS_DISABLE_AFTER_DAYS">,
  now: Date,
): DisableCause | null {
  if (attempt.verdict === "delivered") return null;
  if (attempt.status === 410) return { by: "receiver", reason: "the endpoint answered 410 Gone" };
  const last = `; last: ${attempt.error ?? "failed"}`;
  if (health.consecutiveFailures >= config.WEBHOOKS_DISABLE_AFTER_FAILURES)
    return { by: "failures", reason: `${health.consecutiveFailures} deliveries failed in a row${last}` };
  const since = health.failingSince === null ? Number.NaN : Date.parse(health.failingSince);
  if (now.getTime() - since >= config.WEBHOOKS_DISABLE_AFTER_DAYS * DAY_MS)
    return { by: "failures", reason: `failing since ${health.failingSince} without a success${last}` };
  return null;
}

/**
 * Disables an endpoint and records `endpoint.disabled` with why (once: only if it was
 * enabled). A receiver's 410 also takes over an endpoint the team or the failures had
 * disabled meanwhile (an attempt in flight when it was disabled): the receiver's opt-out
 * must not be lost behind a cause the team may undo without acknowledging it.
 */
export function disableEndpointStatements(db: D1Database, endpoint: { id: string; teamId: string }, cause: DisableCause, now: string): D1PreparedStatement[] {
  return [
    db
      .prepare(
        `UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?2, disabled_by = ?3, disabled_at = ?4, updated_at = ?4
         WHERE id = ?1 AND (enabled = 1 OR (?3 = 'receiver' AND disabled_by IS NOT 'receiver'))`,
      )
      .bind(endpoint.id, cause.reason, cause.by, now),
    db
      .prepare(
        "INSERT INTO webhook_endpoint_events (id, endpoint_id, team_id, type, reason, created_at) SELECT ?1, ?2, ?3, 'endpoint.disabled', ?4, ?5 WHERE changes() = 1",
      )
      .bind(newId("wev"), endpoint.id, endpoint.teamId, cause.reason, now),
  ];
}
