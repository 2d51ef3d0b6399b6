import { ulid } from "ulid";
import { z } from "zod";

export const DAY_MS = 24 * 60 * 60 * 1000;

/** How much one cron run may delete: at most `chunk × maxChunks` rows per statement. */
export interface PruneLimits {
  chunk: number;
  maxChunks: number;
}

/**
 * 1,000 rows a statement keeps each DELETE a short write (D1 runs one query at a time per
 * database); 50 of them bound a run to 50,000 rows a table, far above what an hour adds at
 * the loads in SCALE.md, so a backlog (a first deploy, a paused cron) drains over a few runs.
 */
export const DEFAULT_PRUNE_LIMITS: PruneLimits = { chunk: 1_000, maxChunks: 50 };

/** One bounded DELETE: it removes at most `limit` rows, the oldest first, and nothing still needed. */
export type PruneStatement = (limit: number) => D1PreparedStatement;

/**
 * Runs every statement once per chunk, all in one D1 batch (one transaction, so statements
 * that depend on each other see each other's deletes), until each deletes less than a full
 * chunk or `maxChunks` is reached. Returns the rows each statement deleted.
 */
export async function pruneInChunks<K extends string>(
  db: D1Database,
  statements: Readonly<Record<K, PruneStatement>>,
  limits: PruneLimits = DEFAULT_PRUNE_LIMITS,
): Promise<Record<K, number>> {
  const entries = Object.entries<PruneStatement>(statements);
  const removed: Record<string, number> = Object.fromEntries(entries.map(([name]) => [name, 0]));
  for (let chunk = 0; chunk < limits.maxChunks; chunk++) {
    const results = await db.batch(entries.map(([, statement]) => statement(limits.chunk)));
    let full = false;
    for (const [i, [name]] of entries.entries()) {
      const changes = results[i]?.meta.changes ?? 0;
      removed[name] = (removed[name] ?? 0) + changes;
      if (changes >= limits.chunk) full = true;
    }
    if (!full) break;
  }
  return removed as Record<K, number>;
}

/** The instant before which rows are old enough to go. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/** Every `<prefix>_<ULID>` id made before `at` sorts below this one: a ULID starts with its time. */
export function idsBefore(prefix: string, at: Date | number): string {
  return `${prefix}_${ulid(typeof at === "number" ? at : at.getTime()).slice(0, 10)}`;
}

/** A retention var: whole days, parsed from its string, with a floor below which it would be unsafe. */
export function retentionDaysSchema(defaultDays: number, minDays = 1) {
  return z.coerce.number().int().min(minDays).max(3650).default(defaultDays);
}
