import { createScheduledController, env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { REPLAY_PAGE_SIZE } from "../src/admin/replay-jobs";
import worker from "../src/index";
import { fetchWithEnv, unreachableService } from "./consumers-helpers";
import { ADMIN, api, createLink, createTeam, eventRowsOfTeam, expectError, json, receivedLogEvents, tableCounts, type TestTeam } from "./helpers";

interface Job {
  id: string;
  status: "running" | "done" | "failed";
  sent: number;
  total: number;
  subscriber: string;
  since: string | null;
  eventIds: string[] | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  lastError: string | null;
}

/** A cron run of the api Worker, with the replay page budget made small. */
async function cronRun(pagesPerRun: number, overrides: Partial<ApiEnv> = {}): Promise<void> {
  const small: ApiEnv & { REPLAY_PAGES_PER_RUN: string } = { ...env, ...overrides, REPLAY_PAGES_PER_RUN: String(pagesPerRun) };
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), small);
}

async function startReplay(body: Record<string, unknown>): Promise<{ jobId: string; queued: number; status: string; total: number }> {
  const res = await api("/v1/admin/replay", json(body, ADMIN));
  expect(res.status, await res.clone().text()).toBe(202);
  const started = (await res.json()) as { jobId: string; queued: number; status: string; total: number };
  expect(started.jobId).toMatch(/^rpl_[0-9A-HJKMNP-TV-Z]{26}$/);
  expect(res.headers.get("location")).toBe(`/v1/admin/replay/${started.jobId}`);
  return started;
}

async function jobOf(jobId: string): Promise<Job> {
  const res = await api(`/v1/admin/replay/${jobId}`, { headers: ADMIN });
  expect(res.status).toBe(200);
  return (await res.json()) as Job;
}

/** A team with `count` links made through the bulk API: `count` LinkCreated events in the log. */
async function teamWithLinks(count: number): Promise<{ team: TestTeam; eventIds: string[] }> {
  const team = await createTeam("Replayed", "pro");
  for (let offset = 0; offset < count; offset += 100) {
    const links = Array.from({ length: Math.min(100, count - offset) }, (_, i) => ({ url: `https://example.com/replay/${offset + i}` }));
    const res = await api("/v1/links/bulk", json({ links }, team.auth));
    expect(res.status).toBe(200);
  }
  const eventIds = (await eventRowsOfTeam(team.id)).map((row) => row.id);
  expect(eventIds).toHaveLength(count);
  return { team, eventIds };
}

/** What reached the webhooks subscriber's queue (no consumer reads it in these tests; the recorder does). */
async function webhookQueueIds(teamId: string): Promise<string[]> {
  return (await receivedLogEvents("webhook-events")).filter((e) => e.teamId === teamId).map((e) => e.id);
}

async function waitForWebhookQueue(teamId: string, count: number): Promise<string[]> {
  return vi.waitUntil(
    async () => {
      const ids = await webhookQueueIds(teamId);
      return ids.length >= count ? ids : false;
    },
    { timeout: 10_000, interval: 50 },
  );
}

const jobRow = (id: string) => env.LINKS_DB.prepare("SELECT * FROM replay_jobs WHERE id = ?").bind(id).first<Record<string, unknown>>();

describe("admin replay as a job", () => {
  it("sends a log larger than one cron run in bounded slices, each event once and in order", async () => {
    const { team, eventIds } = await teamWithLinks(530);
    const logSize = await env.LINKS_DB.prepare(
      "SELECT count(*) AS n FROM events WHERE type IN ('LinkCreated', 'LinkUpdated', 'LinkDeleted', 'LinkClicked')",
    ).first<{ n: number }>();

    const started = await startReplay({ subscriber: "webhooks" });
    // The answer comes after one page at most: the rest is the cron's.
    expect(started).toMatchObject({ status: "running", queued: REPLAY_PAGE_SIZE, total: logSize?.n });

    const progress: number[] = [started.queued];
    for (let run = 0; run < 20 && (await jobOf(started.jobId)).status === "running"; run++) {
      await cronRun(2);
      progress.push((await jobOf(started.jobId)).sent);
    }
    const job = await jobOf(started.jobId);
    expect(job).toMatchObject({ status: "done", sent: logSize?.n, total: logSize?.n, subscriber: "webhooks", lastError: null, finishedAt: expect.any(String) });
    // Several runs, none sending more than its budget of 2 pages of 100.
    expect(progress.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < progress.length; i++) expect((progress[i] ?? 0) - (progress[i - 1] ?? 0)).toBeLessThanOrEqual(2 * REPLAY_PAGE_SIZE);

    const received = await waitForWebhookQueue(team.id, eventIds.length);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await webhookQueueIds(team.id)).toEqual(eventIds);
    expect(received).toEqual(eventIds);

    // A done job is left alone by later runs.
    await cronRun(2);
    expect((await jobOf(started.jobId)).sent).toBe(job.sent);
    expect(await webhookQueueIds(team.id)).toHaveLength(eventIds.length);
  });

  it("never sends a page twice when runs overlap, and resumes from its cursor after a holder crashed", async () => {
    const { team, eventIds } = await teamWithLinks(350);
    const started = await startReplay({ subscriber: "webhooks", eventIds });
    expect(started).toMatchObject({ status: "running", queued: 100, total: 350 });

    // A run that claimed the job and died mid-slice: its lease still holds, so runs leave the job alone ...
    const future = new Date(Date.now() + 30_000).toISOString();
    await env.LINKS_DB.prepare("UPDATE replay_jobs SET lease_owner = 'crashed-run', lease_expires_at = ? WHERE id = ?").bind(future, started.jobId).run();
    await cronRun(2);
    expect((await jobOf(started.jobId)).sent).toBe(100);

    // ... until it expires; then the job goes on after the cursor the dead run saved.
    const past = new Date(Date.now() - 1_000).toISOString();
    await env.LINKS_DB.prepare("UPDATE replay_jobs SET lease_expires_at = ? WHERE id = ?").bind(past, started.jobId).run();
    expect((await jobRow(started.jobId))?.["cursor"]).toBe(eventIds[99]);
    // Two runs at once: one holds the job, the other skips it.
    await Promise.all([cronRun(1), cronRun(1), cronRun(1)]);
    const afterOverlap = await jobOf(started.jobId);
    expect(afterOverlap.sent).toBe(200);
    for (let run = 0; run < 5 && (await jobOf(started.jobId)).status === "running"; run++) await Promise.all([cronRun(1), cronRun(1)]);

    expect(await jobOf(started.jobId)).toMatchObject({ status: "done", sent: 350, total: 350 });
    expect(await jobRow(started.jobId)).toMatchObject({ lease_owner: null, lease_expires_at: null, cursor: eventIds.at(-1) });
    await waitForWebhookQueue(team.id, 350);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await webhookQueueIds(team.id)).toEqual(eventIds);
  });

  it("keeps the eventIds and since filters, and sends only the subscriber's types (no audit events)", async () => {
    const team = await createTeam("Filters");
    const links = [];
    for (let i = 0; i < 4; i++) links.push(await createLink(team, { url: `https://example.com/filters/${i}` }));
    const rows = await eventRowsOfTeam(team.id);
    const picked = [rows[0]?.id ?? "", rows[2]?.id ?? ""];

    const byIds = await startReplay({ subscriber: "webhooks", eventIds: picked });
    // Small replays are done when the POST answers, as before jobs.
    expect(byIds).toMatchObject({ status: "done", queued: 2, total: 2 });
    await waitForWebhookQueue(team.id, 2);
    expect(await webhookQueueIds(team.id)).toEqual(picked);

    const since = links[3]?.createdAt ?? "";
    const bySince = await startReplay({ subscriber: "webhooks", since });
    expect(bySince.status).toBe("done");
    expect(await jobOf(bySince.jobId)).toMatchObject({ since, eventIds: null, status: "done" });
    const ids = await waitForWebhookQueue(team.id, 3);
    expect(ids).toEqual([...picked, rows[3]?.id]);

    // The team's TeamCreated and ApiKeyMinted are in the log, but no subscriber lists their types.
    const audit = (await eventRowsOfTeam(team.id, { withAudit: true })).filter((r) => !r.type.startsWith("Link"));
    expect(audit.map((r) => r.type).sort()).toEqual(["ApiKeyMinted", "TeamCreated"]);
    const whole = await startReplay({ subscriber: "qr", eventIds: audit.map((r) => r.id) });
    expect(whole).toMatchObject({ status: "done", queued: 0, total: 0 });
    expect((await receivedLogEvents("webhook-events")).filter((e) => !e.type.startsWith("Link"))).toEqual([]);
  });

  it("keeps a failing job running with its error, and gives up after five failed slices in a row", async () => {
    const team = await createTeam("Failing");
    await createLink(team, { url: "https://example.com/failing" });
    const ids = (await eventRowsOfTeam(team.id)).map((r) => r.id);
    const ledgerDown = { LEDGER: unreachableService<ApiEnv["LEDGER"]>("LEDGER") };

    const res = await fetchWithEnv(ledgerDown, "/v1/admin/replay", json({ subscriber: "webhooks", eventIds: ids }, ADMIN));
    expect(res.status).toBe(202);
    const started = (await res.json()) as { jobId: string; queued: number; status: string };
    expect(started).toMatchObject({ queued: 0, status: "running" });
    expect(await jobOf(started.jobId)).toMatchObject({ status: "running", sent: 0, lastError: "LEDGER is unreachable (injected)" });

    for (let run = 0; run < 3; run++) await cronRun(5, ledgerDown);
    expect((await jobOf(started.jobId)).status).toBe("running");
    await cronRun(5, ledgerDown);
    expect(await jobOf(started.jobId)).toMatchObject({ status: "failed", sent: 0, finishedAt: expect.any(String) });
    // A failed job stays failed; a new job is the retry.
    await cronRun(5);
    expect((await jobOf(started.jobId)).status).toBe("failed");
  });

  it("answers 400 and creates no job (and no event) for bad input, 404 for an unknown job, 401 without the admin token", async () => {
    const before = { ...(await tableCounts()), jobs: (await env.LINKS_DB.prepare("SELECT count(*) AS n FROM replay_jobs").first<{ n: number }>())?.n };
    for (const body of [
      { subscriber: "nobody" },
      { subscriber: "webhooks", since: "yesterday" },
      { subscriber: "webhooks", eventIds: [] },
      { subscriber: "webhooks", eventIds: ["evt_nope"] },
      { subscriber: "webhooks", extra: true },
      {},
    ]) {
      await expectError(await api("/v1/admin/replay", json(body, ADMIN)), 400, "invalid_request");
    }
    const after = { ...(await tableCounts()), jobs: (await env.LINKS_DB.prepare("SELECT count(*) AS n FROM replay_jobs").first<{ n: number }>())?.n };
    expect(after).toEqual(before);

    await expectError(await api("/v1/admin/replay/rpl_01JDQD00000000000000000000", { headers: ADMIN }), 404, "not_found");
    await expectError(await api("/v1/admin/replay/not-a-job", { headers: ADMIN }), 404, "not_found");
    await expectError(await api("/v1/admin/replay/rpl_01JDQD00000000000000000000"), 401, "unauthorized");
  });

  it("is documented in the OpenAPI document", async () => {
    const doc = (await (await api("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
    };
    const post = doc.paths["/v1/admin/replay"]?.["post"];
    expect(JSON.stringify(post?.responses["202"])).toContain("jobId");
    expect(doc.paths["/v1/admin/replay/{jobId}"]?.["get"]?.responses["200"]).toBeDefined();
    expect(JSON.stringify(doc)).toContain("ReplayJob");
  });
});
