import { drizzle } from "drizzle-orm/d1";
import * as schema from "#db/links";

function createLinksDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Database = ReturnType<typeof createLinksDb>;

// Building the client walks the whole schema (drizzle's relational config): once per binding
// and isolate, not once per request. The client holds no request state.
const clients = new WeakMap<D1Database, Database>();

export function linksDb(d1: D1Database): Database {
  let db = clients.get(d1);
  if (!db) {
    db = createLinksDb(d1);
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
