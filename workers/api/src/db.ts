import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../../db/links";

export function linksDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

export type Database = ReturnType<typeof linksDb>;

/** True when a D1 error is the unique constraint on `table.column` (the message is all D1 gives us). */
export function isUniqueViolation(error: unknown, column: string): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.message.includes(`UNIQUE constraint failed: ${column}`)) return true;
  }
  return false;
}
