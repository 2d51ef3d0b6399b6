import { newId } from "./ids";

/** Disables an endpoint and records `endpoint.disabled` with why, in one batch with `extra`. */
export function disableEndpointStatements(db: D1Database, endpoint: { id: string; teamId: string }, reason: string, now: string): D1PreparedStatement[] {
  return [
    db
      .prepare("UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?2, updated_at = ?3 WHERE id = ?1 AND enabled = 1")
      .bind(endpoint.id, reason, now),
    db
      .prepare("INSERT INTO webhook_endpoint_events (id, endpoint_id, team_id, type, reason, created_at) SELECT ?1, ?2, ?3, 'endpoint.disabled', ?4, ?5 WHERE changes() = 1")
      .bind(newId("wev"), endpoint.id, endpoint.teamId, reason, now),
  ];
}
