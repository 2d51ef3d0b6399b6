import type { Context } from "hono";
import { getTableColumns, sql } from "drizzle-orm";
import { events, type EventRow } from "#db/links";
import { auditEventSchema, type AuditEvent } from "#events";
import { sha256Hex } from "../../../shared/crypto";
import type { AppEnv } from "../app-env";
import { configOf } from "../config";
import { newId } from "../../../shared/ids";
import { eventRow } from "../outbox/new-event";
import { publishCommitted } from "../outbox/publish";

export { SYSTEM_TEAM_ID } from "#events";

/** Fingerprints per token: one SHA-256 per isolate and token, not per admin call. */
const fingerprints = new Map<string, string>();

/**
 * The acting credential of an admin-token call: `admin:` + 12 hex characters of the token's
 * SHA-256. Enough to tell two admin tokens apart (before and after a rotation); 48 bits of a
 * hash of a long random token give nothing to guess it from.
 */
export async function adminActor(env: ApiEnv): Promise<string> {
  const token = configOf(env).ADMIN_TOKEN;
  let actor = fingerprints.get(token);
  if (!actor) {
    actor = `admin:${(await sha256Hex(token)).slice(0, 12)}`;
    fingerprints.set(token, actor);
  }
  return actor;
}

/** Builds an audit event and checks it against events/ before anything is written (as newEvent does). */
export function auditEvent<T extends AuditEvent["type"]>(
  c: Context<AppEnv>,
  type: T,
  subject: string,
  data: Extract<AuditEvent, { type: T }>["data"],
  teamId: string,
  occurredAt = new Date().toISOString(),
): AuditEvent {
  return auditEventSchema.parse({ id: newId("evt"), type, version: 1, occurredAt, teamId, subject, traceId: c.get("traceId"), data });
}

/** The outbox row of an audit event, for the D1 batch of the action it records. */
export function insertAuditEvent(db: AppEnv["Variables"]["db"], event: AuditEvent) {
  return db.insert(events).values(eventRow(event));
}

/**
 * The outbox row of an audit event, inserted only if the statement just before it in the same
 * batch changed a row (SQLite's changes()): an action that did nothing records nothing.
 */
export function insertAuditEventIfChanged(db: AppEnv["Variables"]["db"], event: AuditEvent) {
  const row: EventRow = { publishedAt: null, sendAttempts: 0, lastSendError: null, ...eventRow(event) };
  // Every column in the order drizzle lists them for INSERT, each encoded as its column does.
  const values = Object.entries(getTableColumns(events)).map(([key, column]) => sql.param(row[key as keyof EventRow], column));
  return db.insert(events).select(sql`SELECT ${sql.join(values, sql`, `)} WHERE changes() = 1`);
}

/** The second half of the outbox for audit events: sent now, or by the relay later. */
export function publishAudit(c: Context<AppEnv>, envelopes: AuditEvent[]): Promise<boolean> {
  return publishCommitted(c.env.LINK_EVENTS, c.get("db"), envelopes, (p) => c.executionCtx.waitUntil(p));
}
