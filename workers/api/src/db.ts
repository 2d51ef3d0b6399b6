import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";

/**
 * A drizzle client of the links database: on the plain binding (the primary) or on one request's
 * D1 session (http/db-session.ts). Built without the relational schema: the api never uses
 * `db.query.*`, and without it building a client is a few small objects (no walk of every
 * table and relation), cheap enough to build one per request for that request's session.
 */
export type Database = DrizzleD1Database;

export function databaseOn(d1: D1Database | D1DatabaseSession): Database {
  // drizzle's D1 driver calls only prepare() and batch() of its client (drizzle-orm/d1/session.js),
  // which a session has too; its type (AnyD1Database) names D1Database alone.
  return drizzle(d1 as D1Database);
}

// The primary's client, one per binding and isolate: other caches are keyed by it (the api-key
// lookup's prepared query, the outbox's isolate-wide batch of marks). It holds no request state.
const clients = new WeakMap<D1Database, Database>();

/** The client of the binding itself: every query on it goes to the primary. */
export function linksDb(d1: D1Database): Database {
  let db = clients.get(d1);
  if (!db) {
    db = databaseOn(d1);
    clients.set(d1, db);
  }
  return db;
}

/** True when a D1 error is the unique constraint on `table.column` (the message is all D1 gives us). */
export function isUniqueViolation(error: unknown, column: string): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.message.includes(`UNIQUE constraint failed: ${column}`)) return true;
  }
  return false;
}
