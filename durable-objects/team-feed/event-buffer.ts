import type { LinkEvent } from "#events";

/** How many recent envelopes a reconnecting client can catch up on. */
export const REPLAY_BUFFER_SIZE = 1_000;
/**
 * How many event ids are remembered to recognise a redelivery. Wider than the replay
 * buffer because ids are small and queue retries or a redrive can arrive long after
 * the envelope itself is no longer needed for replay.
 */
export const DEDUPE_WINDOW = 10_000;

/**
 * The object's own schema, applied in order on every wake (the constructor runs again
 * after each one); `feed_schema` records how far this object's storage has come, so a
 * later change is one more entry here and never a rewrite of the ones before.
 */
const MIGRATIONS = [
  // seq is AUTOINCREMENT so it is never reused after pruning: it is the order of arrival.
  `CREATE TABLE feed_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     event_id TEXT NOT NULL UNIQUE,
     envelope TEXT
   )`,
  // The rows still holding an envelope (the last REPLAY_BUFFER_SIZE): pruning after each append
  // finds the ones to clear here instead of walking every remembered id below them.
  "CREATE INDEX feed_events_buffered ON feed_events (seq) WHERE envelope IS NOT NULL",
  // The team this object belongs to, learnt on first contact (team-binding.ts): one row at most.
  "CREATE TABLE feed_team (id INTEGER PRIMARY KEY CHECK (id = 1), team_id TEXT NOT NULL, bound_at TEXT NOT NULL)",
  // Keys revoked while sockets may still be connecting with them (closeKey): refused at connect.
  "CREATE TABLE revoked_keys (key_id TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL)",
  // Live click counters (click-ticks.ts): batch ids already counted (dedupe, bounded by seq),
  // human clicks per link waiting for the next tick, and when the last tick went out.
  "CREATE TABLE click_batches (seq INTEGER PRIMARY KEY AUTOINCREMENT, batch_id TEXT NOT NULL UNIQUE)",
  "CREATE TABLE pending_clicks (link_id TEXT PRIMARY KEY, slug TEXT NOT NULL, clicks INTEGER NOT NULL)",
  "CREATE TABLE click_tick (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)",
];

export function migrateFeedStorage(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS feed_schema (version INTEGER NOT NULL)");
  const applied = sql.exec<{ version: number | null }>("SELECT max(version) AS version FROM feed_schema").one().version ?? 0;
  MIGRATIONS.slice(applied).forEach((statement, index) => {
    sql.exec(statement);
    sql.exec("INSERT INTO feed_schema (version) VALUES (?)", applied + index + 1);
  });
}

/** An event as stored: its position in arrival order and its envelope, already JSON. */
export interface StoredEvent {
  seq: number;
  eventId: string;
  envelope: string;
}

export type ReplayResult = { ok: true; events: StoredEvent[] } | { ok: false; reason: "unknown_event" | "evicted" };

/**
 * The recent-event buffer in the object's SQLite storage: arrival order, dedupe by
 * event id, bounded. Every method is synchronous, so a caller that appends or reads
 * and then sends without awaiting in between cannot interleave with another call.
 */
export class EventBuffer {
  constructor(private readonly sql: SqlStorage) {}

  /** Stores the events not seen before, in the given order, and returns them as stored. */
  append(events: LinkEvent[]): StoredEvent[] {
    const fresh: StoredEvent[] = [];
    for (const event of events) {
      const envelope = JSON.stringify(event);
      const row = this.sql
        .exec<{ seq: number }>("INSERT INTO feed_events (event_id, envelope) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING RETURNING seq", event.id, envelope)
        .toArray()[0];
      if (row) fresh.push({ seq: row.seq, eventId: event.id, envelope });
    }
    if (fresh.length > 0) this.prune();
    return fresh;
  }

  /** The position of the newest stored event (0 when there is none). */
  latestSeq(): number {
    return this.sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM feed_events").one().seq ?? 0;
  }

  latestEventId(): string | null {
    return this.sql.exec<{ event_id: string }>("SELECT event_id FROM feed_events ORDER BY seq DESC LIMIT 1").toArray()[0]?.event_id ?? null;
  }

  /**
   * The events that arrived after `eventId`, up to and including position `upTo`, in
   * arrival order. Refused when `eventId` was never stored here or when any event
   * after it is no longer buffered: a partial replay would be a silent gap.
   */
  after(eventId: string, upTo: number): ReplayResult {
    const from = this.sql.exec<{ seq: number }>("SELECT seq FROM feed_events WHERE event_id = ?", eventId).toArray()[0];
    if (!from) return { ok: false, reason: "unknown_event" };
    const rows = this.sql
      .exec<{ seq: number; event_id: string; envelope: string | null }>(
        "SELECT seq, event_id, envelope FROM feed_events WHERE seq > ? AND seq <= ? ORDER BY seq",
        from.seq,
        upTo,
      )
      .toArray();
    const events: StoredEvent[] = [];
    for (const row of rows) {
      if (row.envelope === null) return { ok: false, reason: "evicted" };
      events.push({ seq: row.seq, eventId: row.event_id, envelope: row.envelope });
    }
    return { ok: true, events };
  }

  /** How many envelopes are buffered for replay, and how many ids are remembered. */
  size(): { envelopes: number; ids: number } {
    return this.sql.exec<{ envelopes: number; ids: number }>("SELECT count(envelope) AS envelopes, count(*) AS ids FROM feed_events").one();
  }

  private prune(): void {
    const latest = this.latestSeq();
    this.sql.exec("UPDATE feed_events SET envelope = NULL WHERE seq <= ? AND envelope IS NOT NULL", latest - REPLAY_BUFFER_SIZE);
    this.sql.exec("DELETE FROM feed_events WHERE seq <= ?", latest - DEDUPE_WINDOW);
  }
}
