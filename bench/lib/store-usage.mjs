// What the stack keeps: the SQLite page usage of every D1 database and Durable Object store
// under the state directory (Miniflare keeps each as one SQLite file), read with node:sqlite as
// a second reader (WAL mode: it sees every committed write). Used pages, not file sizes: a file
// keeps freed pages until it is vacuumed, and those cost nothing more per click.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

/** @param {string} dir @returns {Promise<string[]>} */
async function sqliteFiles(dir) {
  /** @type {string[]} */
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await sqliteFiles(full)));
    else if (entry.name.endsWith(".sqlite")) found.push(full);
  }
  return found;
}

/**
 * @param {string} file
 * @returns {{ bytes: number, tables: string[] }}
 */
function usageOf(file) {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const pragma = (/** @type {string} */ name) => Number(Object.values(/** @type {Record<string, unknown>} */ (db.prepare(`PRAGMA ${name}`).get()))[0]);
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%' ORDER BY name",
      )
      .all()
      .map((row) => String(/** @type {{ name: unknown }} */ (row).name));
    return { bytes: (pragma("page_count") - pragma("freelist_count")) * pragma("page_size"), tables };
  } finally {
    db.close();
  }
}

/**
 * Used bytes of every store, keyed by a readable name (its folder and its first tables).
 * @param {string} state the stack's persistence directory
 * @returns {Promise<Map<string, number>>}
 */
export async function storeUsage(state) {
  /** @type {Map<string, number>} */
  const usage = new Map();
  for (const file of await sqliteFiles(path.join(state, "v3"))) {
    try {
      const { bytes, tables } = usageOf(file);
      const folder = path.basename(path.dirname(file)).replace(/^miniflare-/, "");
      const name = `${folder}: ${tables.slice(0, 3).join(", ") || "(empty)"}`;
      usage.set(name, (usage.get(name) ?? 0) + bytes);
    } catch {
      // A store being created at this moment: the next reading counts it.
    }
  }
  return usage;
}

/**
 * Bytes added per store between two readings, largest first.
 * @param {Map<string, number>} before
 * @param {Map<string, number>} after
 */
export function storeGrowth(before, after) {
  return [...after.entries()]
    .map(([name, bytes]) => ({ name, bytes: bytes - (before.get(name) ?? 0) }))
    .filter((s) => s.bytes !== 0)
    .sort((a, b) => b.bytes - a.bytes);
}

/**
 * Rows per type in the fan-out's ledger (the messages the topic carried) and deliveries (the
 * copies it sent to subscriber queues), read from its SQLite file.
 * @param {string} state
 * @returns {Promise<{ events: Record<string, number>, deliveries: Record<string, number> }>}
 */
export async function ledgerCounts(state) {
  for (const file of await sqliteFiles(path.join(state, "v3"))) {
    let db;
    try {
      db = new DatabaseSync(file, { readOnly: true });
      const hasLedger = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ledger_events'").get();
      if (!hasLedger) continue;
      /** @type {Record<string, number>} */
      const events = {};
      for (const row of db.prepare("SELECT type, count(*) AS n FROM ledger_events GROUP BY type").all()) events[String(row["type"])] = Number(row["n"]);
      /** @type {Record<string, number>} */
      const deliveries = {};
      const byType = db.prepare("SELECT e.type AS type, count(*) AS n FROM deliveries d JOIN ledger_events e ON e.event_id = d.event_id GROUP BY e.type").all();
      for (const row of byType) deliveries[String(row["type"])] = Number(row["n"]);
      return { events, deliveries };
    } catch {
      continue;
    } finally {
      db?.close();
    }
  }
  return { events: {}, deliveries: {} };
}
