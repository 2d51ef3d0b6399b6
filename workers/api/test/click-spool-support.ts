// Shared by the click spool's workerd tests (click-spool*.integration.test.ts): the spool, the
// click reconciler's admin read, the ledger's rows, and queues and spools that refuse.
import { createScheduledController, env } from "cloudflare:test";
import { expect, it, vi } from "vitest";
import { SUBSCRIPTIONS } from "#contracts/fanout/subscriptions";
import { clicksRecordedSchema, type ClicksRecorded } from "#events";
import worker from "../src/index";
import { spoolKeyOf, type ClickSpool } from "../src/redirect/click-spool";
import { ADMIN, api, createTeam, receivedLogEvents, waitForClicks, type LinkBody, type TestTeam } from "./helpers";

export const BROWSER = { "user-agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15" };
/** The request that opens a batch waits out its window: short here (the inline retries keep their production delays). */
export const SHORT_WINDOW = { CLICK_BATCH_WINDOW_MS: "20" };
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
/** The subscribers of clicks, as the ledger pairs them (analytics, dashboard, webhooks). */
export const CLICK_SUBSCRIBERS = SUBSCRIPTIONS.filter((s) => (s.types as readonly string[]).includes("ClicksRecorded"))
  .map((s) => s.subscriber)
  .sort();

export interface DropCounts {
  batches: number;
  clicks: number;
  bots: number;
  heads: number;
}

export interface ClickReconciliation {
  lastRun: { seen: number; checked: number; missing: number; stalePending: number; resent: number; cleared: number; kept: number; expired: number } | null;
  lastRunAt: string | null;
  lastError: string | null;
  totals: { checked: number; resent: number; cleared: number };
  cursor: string | null;
  sweeps: number;
  dropped: DropCounts & { byReason: Record<"send_failed" | "expired" | "unreadable", DropCounts> };
  settings: { maxAgeHours: number };
}

export const NONE: DropCounts = { batches: 0, clicks: 0, bots: 0, heads: 0 };

/** A cron run of the api Worker at `at` (both reconcilers, relay, retention), vars overridden. */
export async function cronAt(at: number, vars: Record<string, string> = {}): Promise<void> {
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), { ...env, ...vars } as ApiEnv);
}

export async function clicksState(): Promise<ClickReconciliation> {
  const res = await api("/v1/admin/reconciliation", { headers: ADMIN });
  expect(res.status).toBe(200);
  return ((await res.json()) as { clicks: ClickReconciliation }).clicks;
}

export const lastRun = async () => (await clicksState()).lastRun;

export async function spooledIds(): Promise<string[]> {
  const listing = await env.CLICK_SPOOL.list({ prefix: "batches/" });
  return listing.objects.map((o) => o.key.slice("batches/".length));
}

export async function spooled(id: string): Promise<ClicksRecorded> {
  const object = await env.CLICK_SPOOL.get(spoolKeyOf(id));
  if (!object) throw new Error(`${id} is not in the spool`);
  return clicksRecordedSchema.parse(await object.json());
}

export async function deliveriesOf(eventId: string): Promise<[string, string][]> {
  const { results } = await env.LEDGER_DB.prepare("SELECT subscriber, status FROM deliveries WHERE event_id = ? ORDER BY subscriber")
    .bind(eventId)
    .all<{ subscriber: string; status: string }>();
  return results.map((r) => [r.subscriber, r.status]);
}

/** What the subscribers' reports would have made of their deliveries (the api project runs no webhooks or dashboard consumer). */
export async function setDeliveries(eventId: string, statuses: Record<string, string>): Promise<void> {
  const now = new Date().toISOString();
  for (const [subscriber, status] of Object.entries(statuses)) {
    await env.LEDGER_DB.prepare("INSERT OR REPLACE INTO deliveries (event_id, subscriber, status, attempts, updated_at) VALUES (?, ?, ?, 1, ?)")
      .bind(eventId, subscriber, status, now)
      .run();
  }
}

export const allDelivered = () => Object.fromEntries(CLICK_SUBSCRIBERS.map((s) => [s, "delivered"]));

/** Copies of a batch on `webhook-events` (the recorder consumes it here): what the ledger's replays sent. */
export async function webhookCopies(eventId: string): Promise<number> {
  return (await receivedLogEvents("webhook-events")).filter((e) => e.id === eventId).length;
}

export async function dropRows() {
  const { results } = await env.LINKS_DB.prepare("SELECT day, reason, batches, clicks, bots, heads FROM click_drops ORDER BY day, reason").all();
  return results;
}

export const waitFor = <T>(check: () => Promise<T | false>) => vi.waitUntil(check, { timeout: 10_000, interval: 50 });

/** A `click-events` producer that refuses every send, and how often it was asked. */
export function refusingQueue() {
  let sends = 0;
  const fail = async (): Promise<never> => {
    sends++;
    throw new Error("click queue unavailable (injected)");
  };
  return { queue: { send: fail, sendBatch: fail } as unknown as Queue, sends: () => sends };
}

/** The real spool whose puts are refused (the fault the spool's seam lets a test inject). */
export function refusingSpool() {
  let puts = 0;
  const spool: ClickSpool = {
    put: async () => {
      puts++;
      throw new Error("R2 unavailable (injected)");
    },
    get: (key, options) => env.CLICK_SPOOL.get(key, options),
    list: (options) => env.CLICK_SPOOL.list(options),
    delete: (keys) => env.CLICK_SPOOL.delete(keys),
  } as ClickSpool;
  return { bucket: spool as unknown as R2Bucket, puts: () => puts };
}

/** One human click over HTTP on the real queue; answers the id of the batch that carried it. */
export async function clickBatchOf(link: LinkBody): Promise<string> {
  expect((await api(`/${link.slug}`, { headers: BROWSER })).status).toBe(302);
  const [click] = await waitForClicks((c) => c.linkId === link.id);
  if (!click) throw new Error("no click");
  return click.batchId;
}

let team: TestTeam | undefined;
export const teamOnce = async () => (team ??= await createTeam("Click spool"));

/** Each test starts with an empty spool, a fresh sweep and no drops. */
export async function resetClickSpool(): Promise<void> {
  const ids = await spooledIds();
  if (ids.length > 0) await env.CLICK_SPOOL.delete(ids.map(spoolKeyOf));
  await env.LINKS_DB.prepare("DELETE FROM click_reconciliation").run();
  await env.LINKS_DB.prepare("DELETE FROM click_drops").run();
}
