import { sql } from "drizzle-orm";
import type { LinkOg, LinkRule, LinkUtm } from "#events/link-controls";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The links database (binding LINKS_DB), owned by the api Worker.
 * Timestamps are ISO-8601 UTC strings: they sort as text and match the API.
 * Ids are prefixed ULIDs, so ordering by id is ordering by creation time,
 * which is what makes keyset (cursor) pagination a single index range scan.
 */

export const teams = sqliteTable("teams", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  plan: text("plan", { enum: ["free", "pro"] })
    .notNull()
    .default("free"),
  createdAt: text("created_at").notNull(),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id),
    name: text("name").notNull(),
    /** Display prefix only (e.g. `lf_AbC1`): enough to recognise a key, useless to use it. */
    prefix: text("prefix").notNull(),
    /** SHA-256 of the whole key, hex. The key itself is never stored. */
    keyHash: text("key_hash").notNull(),
    createdAt: text("created_at").notNull(),
    lastUsedAt: text("last_used_at"),
    revokedAt: text("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_key_hash_idx").on(t.keyHash), index("api_keys_team_idx").on(t.teamId, t.id)],
);

export const links = sqliteTable(
  "links",
  {
    id: text("id").primaryKey(),
    slug: text("slug").notNull(),
    teamId: text("team_id")
      .notNull()
      .references(() => teams.id),
    url: text("url").notNull(),
    title: text("title"),
    /** JSON array of strings; filtered with json_each. */
    tags: text("tags", { mode: "json" })
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    expiresAt: text("expires_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    /** Soft delete: the slug stays reserved and redirects answer 410, never someone else's link. */
    deletedAt: text("deleted_at"),
    /** The event that made this version of the row: the guard that ties a write to its event. */
    lastEventId: text("last_event_id").notNull(),
    // Link controls (README "Link controls"), each null when unset.
    /** `pbkdf2-sha256$<iterations>$<salt>$<hash>` (workers/api/src/links/link-password.ts); never the password. */
    passwordHash: text("password_hash"),
    /** Where an expired or used-up link sends people instead of 410. */
    expiredUrl: text("expired_url"),
    /** Human clicks before the link counts as used up. */
    maxClicks: integer("max_clicks"),
    /** JSON array of {when, url}: first match wins. */
    rules: text("rules", { mode: "json" }).$type<LinkRule[]>(),
    /** JSON object of UTM parameters. */
    utm: text("utm", { mode: "json" }).$type<LinkUtm>(),
    /** JSON object of Open Graph overrides. */
    og: text("og", { mode: "json" }).$type<LinkOg>(),
  },
  (t) => [
    // The redirect hot path and the "slug taken" check. Slugs are case-sensitive.
    uniqueIndex("links_slug_idx").on(t.slug),
    // GET /v1/links: WHERE team_id = ? AND deleted_at IS NULL AND id < cursor ORDER BY id DESC.
    index("links_team_id_idx").on(t.teamId, t.id),
    // The monthly link quota: count(*) of a team's links created in a month, from the index alone.
    index("links_team_created_idx").on(t.teamId, t.createdAt),
  ],
);

export const events = sqliteTable(
  "events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    version: integer("version").notNull(),
    teamId: text("team_id").notNull(),
    subject: text("subject").notNull(),
    traceId: text("trace_id").notNull(),
    occurredAt: text("occurred_at").notNull(),
    /** The full envelope exactly as sent, JSON. */
    envelope: text("envelope").notNull(),
    createdAt: text("created_at").notNull(),
    /** Null until the queue accepted the envelope: the outbox relay's work list. */
    publishedAt: text("published_at"),
    sendAttempts: integer("send_attempts").notNull().default(0),
    lastSendError: text("last_send_error"),
  },
  (t) => [
    index("events_team_id_idx").on(t.teamId, t.id),
    index("events_team_subject_idx").on(t.teamId, t.subject, t.id),
    index("events_team_type_idx").on(t.teamId, t.type, t.id),
    index("events_unpublished_idx")
      .on(t.createdAt)
      .where(sql`${t.publishedAt} IS NULL`),
  ],
);

/**
 * Admin replays as resumable jobs (POST /v1/admin/replay): the api's cron sends the log to a
 * subscriber a bounded slice at a time, keeping its place in `cursor`, so a replay of any size
 * survives crashes and never runs in one request. The lease keeps overlapping runs apart.
 */
export const replayJobs = sqliteTable(
  "replay_jobs",
  {
    id: text("id").primaryKey(),
    subscriber: text("subscriber").notNull(),
    /** The filter: events that occurred at or after `since`, and/or only these ids (JSON array). */
    since: text("since"),
    eventIds: text("event_ids", { mode: "json" }).$type<string[]>(),
    /** The log's last event id when the job started: events written later are not replayed. */
    untilId: text("until_id"),
    /** The last event id sent; the next slice starts after it. */
    cursor: text("cursor"),
    sent: integer("sent").notNull().default(0),
    total: integer("total"),
    status: text("status", { enum: ["running", "done", "failed"] }).notNull(),
    /** Who holds the job, until when: a run claims it only when the lease is free or expired. */
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: text("lease_expires_at"),
    /** Failed slices in a row; the job fails after too many. */
    failures: integer("failures").notNull().default(0),
    lastError: text("last_error"),
    /** The acting credential's id (`admin:<12 hex>`), as its ReplayStarted event says. */
    actor: text("actor").notNull(),
    traceId: text("trace_id").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
    finishedAt: text("finished_at"),
  },
  // The cron's work list: running jobs, oldest first.
  (t) => [
    index("replay_jobs_running_idx")
      .on(t.id)
      .where(sql`${t.status} = 'running'`),
  ],
);

/**
 * The end-to-end reconciler's state (one row, id `reconciler`): where its sweep of the event
 * log stands and what it has found and re-sent so far, by reason (README "Reconciliation").
 */
export const reconciliation = sqliteTable("reconciliation", {
  id: text("id").primaryKey(),
  /** The last event id checked; the next page starts after it (null: from the window's start). */
  cursor: text("cursor"),
  /** Sweeps of the whole window finished (the cursor went back to the start). */
  sweeps: integer("sweeps").notNull().default(0),
  /** Events checked against the ledger, all runs. */
  checked: integer("checked").notNull().default(0),
  /** (event, subscriber) pairs the ledger had no delivery for, all runs. */
  missing: integer("missing").notNull().default(0),
  /** Pairs still `pending` past the stale age, all runs. */
  stalePending: integer("stale_pending").notNull().default(0),
  /** Pairs still `retrying` past the stale-retrying age (their retry message was lost), all runs. */
  staleRetrying: integer("stale_retrying").notNull().default(0),
  /** Pairs re-sent to their subscriber's queue (what the ledger's replay queued), all runs. */
  resent: integer("resent").notNull().default(0),
  /** The last run's own counts, JSON: {checked, missing, stalePending, resent}. */
  lastRun: text("last_run", { mode: "json" }).$type<{ checked: number; missing: number; stalePending: number; staleRetrying?: number; resent: number }>(),
  lastRunAt: text("last_run_at"),
  lastError: text("last_error"),
});

/** What the click reconciler's last run did with the spool (README "Clicks are telemetry"). */
export interface ClickSpoolRunCounts {
  /** Spooled batches listed. */
  seen: number;
  /** Of those, past the grace period and asked about in the ledger. */
  checked: number;
  /** (batch, subscriber) pairs with no delivery, and pairs `pending` past the stale age. */
  missing: number;
  stalePending: number;
  /** Pairs re-sent to their subscriber's queue. */
  resent: number;
  /** Batches deleted from the spool: every subscriber had finished them. */
  cleared: number;
  /** Batches kept: some subscriber still has them in flight, or was just sent them again. */
  kept: number;
  /** Batches deleted at CLICK_SPOOL_MAX_AGE_HOURS with some subscriber unfinished (counted in click_drops). */
  expired: number;
}

/**
 * The click reconciler's state (one row, id `click-spool`): where its sweep of the R2 click
 * spool stands (the last key checked) and its totals.
 */
export const clickReconciliation = sqliteTable("click_reconciliation", {
  id: text("id").primaryKey(),
  /** The last spool key checked in this sweep; the next run lists after it (null: from the oldest). */
  cursor: text("cursor"),
  sweeps: integer("sweeps").notNull().default(0),
  checked: integer("checked").notNull().default(0),
  resent: integer("resent").notNull().default(0),
  cleared: integer("cleared").notNull().default(0),
  lastRun: text("last_run", { mode: "json" }).$type<ClickSpoolRunCounts>(),
  lastRunAt: text("last_run_at"),
  lastError: text("last_error"),
});

/**
 * Why clicks were lost: `send_failed` (the batch could neither be spooled nor sent), `expired`
 * (spooled longer than CLICK_SPOOL_MAX_AGE_HOURS and still unfinished by some subscriber),
 * `unreadable` (a spooled object that is not a ClicksRecorded batch).
 */
export const CLICK_DROP_REASONS = ["send_failed", "expired", "unreadable"] as const;
export type ClickDropReason = (typeof CLICK_DROP_REASONS)[number];

/**
 * Clicks dropped, per UTC day of the clicks and reason: the durable count of what the spool
 * could not keep (a few rows a day at most, kept for good).
 */
export const clickDrops = sqliteTable(
  "click_drops",
  {
    day: text("day").notNull(),
    reason: text("reason", { enum: CLICK_DROP_REASONS }).notNull(),
    batches: integer("batches").notNull().default(0),
    clicks: integer("clicks").notNull().default(0),
    bots: integer("bots").notNull().default(0),
    heads: integer("heads").notNull().default(0),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.reason] })],
);

export type TeamRow = typeof teams.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type LinkRow = typeof links.$inferSelect;
export type EventRow = typeof events.$inferSelect;
export type ReplayJobRow = typeof replayJobs.$inferSelect;
