import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { z } from "zod";
import worker from "../src/index";
import {
  AUDIT_EVENT_TYPES,
  botCountsOf,
  clickRecordsOf,
  clicksRecordedSchema,
  logEventSchema,
  type BotCount,
  type ClickRecord,
  type ClicksRecorded,
  type LinkEvent,
  type LogEvent,
} from "#events";

export const BASE = "https://lf.test";
export const ADMIN = { authorization: `Bearer ${env.ADMIN_TOKEN}` };

/** A client address of its own (an IPv6 documentation address), as Cloudflare's `cf-connecting-ip` reports it. */
export function newClientAddress(): string {
  const hex = crypto.randomUUID().replaceAll("-", "");
  return `2001:db8:${hex.slice(0, 4)}:${hex.slice(4, 8)}:${hex.slice(8, 12)}:${hex.slice(12, 16)}:${hex.slice(16, 20)}:${hex.slice(20, 24)}`;
}

// Limits per client address (failed authentications, guesses) count across test files in one
// run: each file's requests come from an address of its own unless a test sends its own.
const FILE_ADDRESS = newClientAddress();

export function api(path: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(`${BASE}${path}`, { redirect: "manual", ...init });
  if (!request.headers.has("cf-connecting-ip")) request.headers.set("cf-connecting-ip", FILE_ADDRESS);
  return exports.default.fetch(request);
}

export function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

export interface TestTeam {
  id: string;
  apiKey: string;
  auth: Record<string, string>;
}

export async function createTeam(name = "Acme", plan: "free" | "pro" = "free"): Promise<TestTeam> {
  const res = await api("/v1/admin/teams", json({ name, plan }, ADMIN));
  expect(res.status).toBe(201);
  const body = (await res.json()) as { team: { id: string }; apiKey: string };
  return { id: body.team.id, apiKey: body.apiKey, auth: bearer(body.apiKey) };
}

export interface LinkBody {
  id: string;
  slug: string;
  url: string;
  shortUrl: string;
  title: string | null;
  tags: string[];
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
  passwordProtected: boolean;
  expiredUrl: string | null;
  maxClicks: number | null;
  rules: { when: Record<string, string[]>; url: string }[] | null;
  utm: Record<string, string> | null;
  og: { title?: string; description?: string; image?: string } | null;
}

export async function createLink(team: TestTeam, body: Record<string, unknown>): Promise<LinkBody> {
  const res = await api("/v1/links", json(body, team.auth));
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as LinkBody;
}

/** Row counts of every table: "writes nothing" means these do not move. */
export async function tableCounts(): Promise<Record<string, number>> {
  const tables = ["teams", "api_keys", "links", "events"];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await env.LINKS_DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>();
    counts[table] = row?.n ?? -1;
  }
  const published = await env.LINKS_DB.prepare("SELECT count(*) AS n FROM events WHERE published_at IS NOT NULL").first<{ n: number }>();
  counts["events_published"] = published?.n ?? -1;
  return counts;
}

/** Every envelope that reached the real `link-events` queue (link and audit events), as consumed by the recorder Worker. */
export async function receivedLogEvents(queue = "link-events"): Promise<LogEvent[]> {
  const res = await env.EVENT_RECORDER.fetch(`https://recorder/?queue=${queue}`);
  const items = (await res.json()) as { body: unknown }[];
  return items.map((item) => logEventSchema.parse(item.body));
}

function isLinkEvent(event: LogEvent): event is LinkEvent {
  return !(AUDIT_EVENT_TYPES as readonly string[]).includes(event.type);
}

/** The link events (what consumers get) that reached the real `link-events` queue; audit events are left out. */
export async function receivedEvents(): Promise<LinkEvent[]> {
  return (await receivedLogEvents()).filter(isLinkEvent);
}

/** Waits until the queue has delivered events matching `predicate`. */
export async function waitForEvents(predicate: (e: LinkEvent) => boolean, count = 1): Promise<LinkEvent[]> {
  return vi.waitUntil(
    async () => {
      const matching = (await receivedEvents()).filter(predicate);
      return matching.length >= count ? matching : false;
    },
    { timeout: 5_000, interval: 20 },
  );
}

/** Every ClicksRecorded batch that reached the real `click-events` queue, parsed strictly. */
export async function receivedClickBatches(): Promise<ClicksRecorded[]> {
  const res = await env.EVENT_RECORDER.fetch("https://recorder/?queue=click-events");
  const items = (await res.json()) as { body: unknown }[];
  return items.map((item) => clicksRecordedSchema.parse(item.body));
}

/** A human click as recorded, with the id of the batch that carried it. */
export type RecordedClick = ClickRecord & { batchId: string };

/** Waits until the click topic has carried `count` human clicks matching `predicate` (each batch is sent within ~1 s). */
export async function waitForClicks(predicate: (c: RecordedClick) => boolean, count = 1): Promise<RecordedClick[]> {
  return vi.waitUntil(
    async () => {
      const clicks = (await receivedClickBatches()).flatMap((b) => clickRecordsOf(b).map((c) => ({ ...c, batchId: b.id })));
      const matching = clicks.filter(predicate);
      return matching.length >= count ? matching : false;
    },
    { timeout: 5_000, interval: 25 },
  );
}

/** The bot GET and HEAD counts of a link summed over every batch so far. */
export async function botCountsOfLink(linkId: string): Promise<{ bots: number; heads: number }> {
  const counts: BotCount[] = (await receivedClickBatches()).flatMap(botCountsOf).filter((c) => c.linkId === linkId);
  return { bots: counts.reduce((n, c) => n + c.bots, 0), heads: counts.reduce((n, c) => n + c.heads, 0) };
}

/** Waits until a link's bot and HEAD counts reach at least the given totals. */
export async function waitForBotCounts(linkId: string, atLeast: { bots: number; heads: number }): Promise<{ bots: number; heads: number }> {
  return vi.waitUntil(
    async () => {
      const counts = await botCountsOfLink(linkId);
      return counts.bots >= atLeast.bots && counts.heads >= atLeast.heads ? counts : false;
    },
    { timeout: 5_000, interval: 25 },
  );
}

export async function errorOf(res: Response): Promise<{ code: string; message: string; issues?: { path: string; message: string }[] }> {
  const body = (await res.json()) as { error: { code: string; message: string; issues?: { path: string; message: string }[] } };
  return body.error;
}

// ---------------------------------------------------------------------------
// Shapes of API.md, checked strictly so an extra or missing field fails a test.

export const ULID = "[0-9A-HJKMNP-TV-Z]{26}";
export const GENERATED_SLUG = /^[23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ]{7}$/;
export const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const isoUtc = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/);

export const linkShape = z.strictObject({
  id: z.string().regex(new RegExp(`^lnk_${ULID}$`)),
  slug: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  url: z.string().url(),
  shortUrl: z.string(),
  title: z.string().nullable(),
  tags: z.array(z.string()),
  expiresAt: isoUtc.nullable(),
  createdAt: isoUtc,
  updatedAt: isoUtc,
  passwordProtected: z.boolean(),
  expiredUrl: z.string().url().nullable(),
  maxClicks: z.number().int().min(1).nullable(),
  rules: z.array(z.strictObject({ when: z.record(z.string(), z.array(z.string())), url: z.string().url() })).nullable(),
  utm: z.record(z.string(), z.string()).nullable(),
  og: z.strictObject({ title: z.string().optional(), description: z.string().optional(), image: z.string().url().optional() }).nullable(),
});

export const errorShape = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string().min(1),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

/** Parses a Link body strictly and checks the derived shortUrl. */
export function expectLink(body: unknown): LinkBody {
  const link = linkShape.parse(body);
  expect(link.shortUrl).toBe(`${BASE}/${link.slug}`);
  return link;
}

/** Asserts status + the error envelope of API.md, and returns the error. */
export async function expectError(res: Response, status: number, code: string): Promise<z.infer<typeof errorShape>["error"]> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type") ?? "").toMatch(/^application\/json/);
  const body = errorShape.parse(JSON.parse(text));
  expect(body.error.code, text).toBe(code);
  return body.error;
}

/** The trace id of a response's `traceparent`. */
export function traceIdOf(res: Response): string {
  const match = TRACEPARENT.exec(res.headers.get("traceparent") ?? "");
  expect(match, `traceparent: ${res.headers.get("traceparent")}`).not.toBeNull();
  return match?.[1] ?? "";
}

export function unique(prefix = "s"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 13)}`;
}

// ---------------------------------------------------------------------------
// Direct calls into the Worker (for fault injection on the queue send only).

/** A `link-events` producer whose sends throw: the only thing the outbox tests fake. */
export function throwingQueue(message = "queue unavailable (injected)"): Queue {
  const fail = async (): Promise<never> => {
    throw new Error(message);
  };
  return { send: fail, sendBatch: fail } as unknown as Queue;
}

/** Calls the Worker's fetch handler with the real env but `LINK_EVENTS` replaced, and waits for its waitUntil work. */
export async function fetchWithQueue(queue: Queue, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, { redirect: "manual", ...init }), { ...env, LINK_EVENTS: queue }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** Calls the Worker's fetch handler with the real env but `CLICK_EVENTS` replaced, and waits for its waitUntil work (the batch's window too). */
export async function fetchWithClickQueue(queue: Queue, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, { redirect: "manual", ...init }), { ...env, CLICK_EVENTS: queue }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

// ---------------------------------------------------------------------------
// The outbox table, read directly.

export interface EventRowView {
  id: string;
  type: string;
  subject: string;
  team_id: string;
  trace_id: string;
  envelope: string;
  created_at: string;
  published_at: string | null;
  send_attempts: number;
  last_send_error: string | null;
}

export async function eventRowsFor(subject: string): Promise<EventRowView[]> {
  const { results } = await env.LINKS_DB.prepare("SELECT * FROM events WHERE subject = ? ORDER BY id").bind(subject).all<EventRowView>();
  return results;
}

/** A team's link events in the outbox (its audit events, TeamCreated and ApiKey*, only when asked for). */
export async function eventRowsOfTeam(teamId: string, { withAudit = false } = {}): Promise<EventRowView[]> {
  const { results } = await env.LINKS_DB.prepare(
    "SELECT * FROM events WHERE team_id = ?1 AND (?2 OR type NOT IN (SELECT value FROM json_each(?3))) ORDER BY id",
  )
    .bind(teamId, withAudit ? 1 : 0, JSON.stringify(AUDIT_EVENT_TYPES))
    .all<EventRowView>();
  return results;
}

/** Waits until every event row is marked published (the marking runs in waitUntil after the response). */
export async function waitForOutboxQuiet(): Promise<void> {
  await vi.waitUntil(
    async () => {
      const row = await env.LINKS_DB.prepare("SELECT count(*) AS n FROM events WHERE published_at IS NULL AND last_send_error IS NULL").first<{ n: number }>();
      return row?.n === 0;
    },
    { timeout: 5_000, interval: 20 },
  );
}
