import { createScheduledController, env } from "cloudflare:test";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { SUBSCRIPTIONS } from "#contracts/fanout/subscriptions";
import worker from "../src/index";
import {
  ADMIN,
  api,
  createLink,
  createTeam,
  eventRowsFor,
  eventRowsOfTeam,
  expectError,
  receivedLogEvents,
  waitForOutboxQuiet,
  type TestTeam,
} from "./helpers";

interface Counts {
  checked: number;
  missing: number;
  stalePending: number;
  staleRetrying: number;
  resent: number;
}

interface Reconciliation {
  totals: Counts;
  lastRun: Counts | null;
  lastRunAt: string | null;
  lastError: string | null;
  cursor: string | null;
  sweeps: number;
  tail: { totals: Counts; lastRun: Counts | null; lastRunAt: string | null; cursor: string | null };
  settings: { graceSeconds: number; stalePendingSeconds: number; pageSize: number; pagesPerRun: number; windowDays: number };
}

const ALL = SUBSCRIPTIONS.map((s) => s.subscriber).sort();
/** The consumers running beside the api here (vitest.config.ts), which report back; the others' deliveries stay pending. */
const RUNNING_HERE = ["analytics", "billing", "preview", "qr"];
const NOT_RUNNING_HERE = ALL.filter((s) => !RUNNING_HERE.includes(s));
/** Every subscriber at one status: tests then name only the exceptions, so a new subscriber needs no edit here. */
const allAre = (status: string) => Object.fromEntries(ALL.map((s) => [s, status]));

/** A cron run of the api Worker (relay, replay jobs, reconciler, retention), with the reconciler's vars overridden. */
async function cronRun(vars: Record<string, string> = {}): Promise<void> {
  const withVars = { ...env, ...vars } as ApiEnv;
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), withVars);
}

async function reconciliation(): Promise<Reconciliation> {
  const res = await api("/v1/admin/reconciliation", { headers: ADMIN });
  expect(res.status).toBe(200);
  return (await res.json()) as Reconciliation;
}

/** Makes events look published long enough ago to be past the reconciler's grace period. */
async function backdate(ids: string[], minutes = 5): Promise<void> {
  const at = new Date(Date.now() - minutes * 60_000).toISOString();
  await env.LINKS_DB.prepare("UPDATE events SET created_at = ?1, published_at = ?1 WHERE id IN (SELECT value FROM json_each(?2))")
    .bind(at, JSON.stringify(ids))
    .run();
}

async function deliveriesOf(eventId: string): Promise<{ subscriber: string; status: string; duplicates: number }[]> {
  const { results } = await env.LEDGER_DB.prepare("SELECT subscriber, status, duplicates FROM deliveries WHERE event_id = ? ORDER BY subscriber")
    .bind(eventId)
    .all<{ subscriber: string; status: string; duplicates: number }>();
  return results;
}

async function setDeliveries(eventId: string, statuses: Record<string, string>): Promise<void> {
  const now = new Date().toISOString();
  for (const [subscriber, status] of Object.entries(statuses)) {
    await env.LEDGER_DB.prepare("INSERT OR REPLACE INTO deliveries (event_id, subscriber, status, attempts, updated_at) VALUES (?, ?, ?, 1, ?)")
      .bind(eventId, subscriber, status, now)
      .run();
  }
}

/** One published, backdated LinkCreated: the fan-out never saw it here (the recorder owns `link-events`). */
async function oldLinkEvent(team: TestTeam, n = 0): Promise<string> {
  const link = await createLink(team, { url: `https://example.com/reconciled/${n}` });
  await waitForOutboxQuiet();
  const [row] = await eventRowsFor(link.id);
  if (!row?.published_at) throw new Error("event not published");
  await backdate([row.id]);
  return row.id;
}

async function webhookCopies(eventId: string): Promise<number> {
  return (await receivedLogEvents("webhook-events")).filter((e) => e.id === eventId).length;
}

async function usage(team: TestTeam): Promise<number> {
  const res = await api("/v1/usage", { headers: team.auth });
  expect(res.status).toBe(200);
  return ((await res.json()) as { linksCreated: number }).linksCreated;
}

const waitFor = <T>(check: () => Promise<T | false>) => vi.waitUntil(check, { timeout: 10_000, interval: 50 });

describe("end-to-end reconciler", () => {
  beforeEach(async () => {
    // Each test starts a fresh sweep, and only its own backdated events are past the grace period.
    await env.LINKS_DB.prepare("DELETE FROM reconciliation").run();
    await env.LINKS_DB.prepare("UPDATE events SET created_at = ?1, published_at = CASE WHEN published_at IS NULL THEN NULL ELSE ?1 END")
      .bind(new Date().toISOString())
      .run();
  });

  it("re-sends an event the ledger never saw to every expected subscriber, then leaves it alone; a stale pending goes again", async () => {
    const team = await createTeam("Reconciled");
    const eventId = await oldLinkEvent(team);
    expect(await deliveriesOf(eventId)).toEqual([]);

    await cronRun();
    expect(await reconciliation()).toMatchObject({
      lastRun: { checked: 1, missing: ALL.length, stalePending: 0, resent: ALL.length },
      totals: { checked: 1, missing: ALL.length, stalePending: 0, resent: ALL.length },
      cursor: null,
      sweeps: 1,
      lastError: null,
      lastRunAt: expect.any(String),
    });
    // The consumers running here (qr, analytics, billing, preview) report back; webhooks (the
    // recorder), dashboard and redirects (not run here) do not.
    await waitFor(async () => {
      const rows = await deliveriesOf(eventId);
      return rows.filter((r) => r.status === "delivered").length === RUNNING_HERE.length ? rows : false;
    });
    expect((await deliveriesOf(eventId)).map((r) => [r.subscriber, r.status])).toEqual(ALL.map((s) => [s, RUNNING_HERE.includes(s) ? "delivered" : "pending"]));
    await waitFor(async () => (await webhookCopies(eventId)) === 1);
    expect(await usage(team)).toBe(1);

    // Known to the ledger now, pending not yet stale: nothing goes again.
    await cronRun();
    expect((await reconciliation()).lastRun).toEqual({ checked: 1, missing: 0, stalePending: 0, staleRetrying: 0, resent: 0 });

    // Pending past the stale age: sent again to those only, once (the replay restarts their age).
    const old = new Date(Date.now() - 20 * 60_000).toISOString();
    await env.LEDGER_DB.prepare("UPDATE deliveries SET updated_at = ? WHERE event_id = ? AND status = 'pending'").bind(old, eventId).run();
    await cronRun();
    const stale = NOT_RUNNING_HERE.length;
    expect((await reconciliation()).lastRun).toEqual({ checked: 1, missing: 0, stalePending: stale, staleRetrying: 0, resent: stale });
    await waitFor(async () => (await webhookCopies(eventId)) === 2);
    await cronRun();
    expect(await reconciliation()).toMatchObject({
      lastRun: { checked: 1, missing: 0, stalePending: 0, resent: 0 },
      totals: { checked: 4, missing: ALL.length, stalePending: stale, resent: ALL.length + stale },
      sweeps: 4,
    });
    expect(await usage(team)).toBe(1);
  });

  it("where a receipt exists but the ledger's report was lost, the ledger learns it and nothing counts twice", async () => {
    const team = await createTeam("Lost report");
    const eventId = await oldLinkEvent(team);
    await cronRun();
    await waitFor(async () => (await deliveriesOf(eventId)).find((r) => r.subscriber === "billing" && r.status === "delivered") ?? false);
    expect(await usage(team)).toBe(1);

    // Billing processed it (its receipt exists), but the ledger lost the report.
    await env.LEDGER_DB.prepare("DELETE FROM deliveries WHERE event_id = ? AND subscriber = 'billing'").bind(eventId).run();
    await cronRun();
    expect((await reconciliation()).lastRun).toEqual({ checked: 1, missing: 1, stalePending: 0, staleRetrying: 0, resent: 1 });
    const billing = await waitFor(async () => (await deliveriesOf(eventId)).find((r) => r.subscriber === "billing" && r.status === "delivered") ?? false);
    expect(billing.duplicates).toBe(1);
    expect(await usage(team)).toBe(1);
  });

  it("counts the grace from publication: an old event the relay published just now is not checked yet", async () => {
    const team = await createTeam("Late");
    const eventId = await oldLinkEvent(team);
    await env.LINKS_DB.prepare("UPDATE events SET published_at = ? WHERE id = ?").bind(new Date().toISOString(), eventId).run();
    await cronRun();
    expect((await reconciliation()).lastRun).toEqual({ checked: 0, missing: 0, stalePending: 0, staleRetrying: 0, resent: 0 });
    expect(await deliveriesOf(eventId)).toEqual([]);
  });

  it("leaves alone events delivered to all, and dead, retrying or fresh pending deliveries; audit events are not checked", async () => {
    const team = await createTeam("Settled");
    const delivered = await oldLinkEvent(team, 1);
    const mixed = await oldLinkEvent(team, 2);
    await setDeliveries(delivered, Object.fromEntries(ALL.map((s) => [s, "delivered"])));
    await setDeliveries(mixed, { ...allAre("delivered"), analytics: "retrying", dashboard: "pending", qr: "dead" });
    // The team's TeamCreated and ApiKeyMinted are old too, but no subscriber expects them.
    await backdate((await eventRowsOfTeam(team.id, { withAudit: true })).map((r) => r.id));

    await cronRun();
    expect((await reconciliation()).lastRun).toEqual({ checked: 2, missing: 0, stalePending: 0, staleRetrying: 0, resent: 0 });
    expect(await webhookCopies(delivered)).toBe(0);
    expect((await deliveriesOf(mixed)).find((r) => r.subscriber === "qr")?.status).toBe("dead");
  });

  it("re-sends a delivery stuck `retrying` past the stale-retrying age (its retry message was lost), to that subscriber only", async () => {
    const team = await createTeam("Stuck retrying");
    const eventId = await oldLinkEvent(team, 30);
    await setDeliveries(eventId, { ...allAre("delivered"), webhooks: "retrying" });
    await cronRun();
    expect((await reconciliation()).lastRun).toEqual({ checked: 1, missing: 0, stalePending: 0, staleRetrying: 0, resent: 0 });

    const old = new Date(Date.now() - 40 * 60_000).toISOString();
    await env.LEDGER_DB.prepare("UPDATE deliveries SET updated_at = ? WHERE event_id = ? AND status = 'retrying'").bind(old, eventId).run();
    await cronRun();
    expect(await reconciliation()).toMatchObject({
      lastRun: { checked: 1, missing: 0, stalePending: 0, staleRetrying: 1, resent: 1 },
      totals: { staleRetrying: 1 },
    });
    await waitFor(async () => (await webhookCopies(eventId)) === 1);
    // The replay restarted its age: not sent again by the next run.
    await cronRun();
    expect((await reconciliation()).lastRun).toEqual({ checked: 1, missing: 0, stalePending: 0, staleRetrying: 0, resent: 0 });
  });

  it("works in bounded pages, keeps its cursor between runs and starts a new sweep at the window's end", async () => {
    const team = await createTeam("Paged");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await oldLinkEvent(team, 10 + i));
    for (const id of ids) await setDeliveries(id, Object.fromEntries(ALL.map((s) => [s, "delivered"])));
    const small = { RECONCILE_PAGE_SIZE: "2", RECONCILE_PAGES_PER_RUN: "1" };

    await cronRun(small);
    expect(await reconciliation()).toMatchObject({ cursor: ids[1], sweeps: 0, lastRun: { checked: 2 } });
    await cronRun(small);
    expect(await reconciliation()).toMatchObject({ cursor: ids[3], sweeps: 0, lastRun: { checked: 2 } });
    // The ledger lost one event after the cursor passed it: the next sweep finds it.
    await env.LEDGER_DB.prepare("DELETE FROM deliveries WHERE event_id = ?").bind(ids[0]).run();
    await cronRun(small);
    expect(await reconciliation()).toMatchObject({ cursor: null, sweeps: 1, lastRun: { checked: 1, missing: 0 }, totals: { checked: 5, missing: 0 } });
    await cronRun({ RECONCILE_PAGE_SIZE: "2", RECONCILE_PAGES_PER_RUN: "5" });
    expect(await reconciliation()).toMatchObject({
      cursor: null,
      sweeps: 2,
      lastRun: { checked: 5, missing: ALL.length, resent: ALL.length },
      totals: { checked: 10 },
    });
  });

  it("the tail checks each event once as it comes due (past the stale-pending age), and stops at the first not due", async () => {
    // Every other test's events out of the window: ids follow creation time here as they do in production.
    await env.LINKS_DB.prepare("UPDATE events SET created_at = ?1, published_at = ?1")
      .bind(new Date(Date.now() - 40 * 86_400_000).toISOString())
      .run();
    const team = await createTeam("Tail");
    const due = await oldLinkEvent(team, 20);
    const notDue = await oldLinkEvent(team, 21);
    await backdate([due], 11);

    await cronRun();
    const first = await reconciliation();
    expect(first.tail).toMatchObject({ lastRun: { checked: 1, missing: ALL.length, stalePending: 0, resent: ALL.length }, cursor: due });
    // The sweep, in the same run, covers the log up to the tail's cursor: the event is pending since the replay, not sent twice.
    expect(first.lastRun).toEqual({ checked: 1, missing: 0, stalePending: 0, staleRetrying: 0, resent: 0 });
    await waitFor(async () => (await webhookCopies(due)) === 1);

    await cronRun();
    expect((await reconciliation()).tail).toMatchObject({ lastRun: { checked: 0, missing: 0, stalePending: 0, resent: 0 }, cursor: due });
    expect(await webhookCopies(notDue)).toBe(0);

    await backdate([notDue], 11);
    await cronRun();
    const third = await reconciliation();
    expect(third.tail).toMatchObject({
      lastRun: { checked: 1, missing: ALL.length, resent: ALL.length },
      totals: { checked: 2, missing: 2 * ALL.length, resent: 2 * ALL.length },
      cursor: notDue,
    });
    await waitFor(async () => (await webhookCopies(notDue)) === 1);
    expect(await webhookCopies(due)).toBe(1);
    // Billing is its own consumer: the webhook copy arriving says nothing of when billing counted (a race under load).
    await waitFor(async () => (await usage(team)) === 2);
  });

  it("answers only the admin token", async () => {
    await expectError(await api("/v1/admin/reconciliation"), 401, "unauthorized");
    const team = await createTeam("Not admin");
    await expectError(await api("/v1/admin/reconciliation", { headers: team.auth }), 401, "unauthorized");
    expect(await reconciliation()).toMatchObject({
      totals: { checked: 0, missing: 0, stalePending: 0, resent: 0 },
      lastRun: null,
      cursor: null,
      settings: { graceSeconds: 120, stalePendingSeconds: 600, pageSize: 100, pagesPerRun: 10, windowDays: 30 },
    });
  });
});
