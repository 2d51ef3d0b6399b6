import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { QUEUE_SEND_FAILURE } from "../../shared/chaos";
import worker from "../src/index";
import { RELAY_MIN_AGE_MS } from "../src/outbox/relay";
import { BASE, createLink, createTeam, eventRowsFor, json, waitForEvents, type LinkBody } from "./helpers";

/** The real env with CHAOS set (a fresh env object each time, as a test may hand the Worker). */
const chaosEnv = (chaos: object): ApiEnv => ({ ...env, CHAOS: JSON.stringify(chaos) }) as ApiEnv;
const allSendsFail = () => chaosEnv({ queueSendFailureRate: 1 });

async function fetchIn(workerEnv: ApiEnv, path: string, init: RequestInit = {}): Promise<{ res: Response; done: Promise<void> }> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`${BASE}${path}`, { redirect: "manual", ...init }), workerEnv, ctx);
  return { res, done: waitOnExecutionContext(ctx) };
}

function cronAt(time: Date, workerEnv: ApiEnv): Promise<void> {
  return worker.scheduled(createScheduledController({ scheduledTime: time, cron: "* * * * *" }), workerEnv);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("CHAOS queueSendFailureRate (the api's sends to its topics)", () => {
  it("at 1: a link create still answers 201, its event stays unpublished, and the relay publishes it once CHAOS is off", async () => {
    const team = await createTeam();
    const { res, done } = await fetchIn(allSendsFail(), "/v1/links", json({ url: "https://example.com/chaos" }, team.auth));
    await done;
    expect(res.status).toBe(201);
    const link = (await res.json()) as LinkBody;
    const [row] = await eventRowsFor(link.id);
    expect(row).toMatchObject({ type: "LinkCreated", published_at: null, send_attempts: 1, last_send_error: expect.stringContaining(QUEUE_SEND_FAILURE) });
    const due = new Date(Date.parse(row?.created_at ?? "") + RELAY_MIN_AGE_MS);

    // The cron's relay goes through the same failing queue while CHAOS is on.
    await cronAt(due, allSendsFail());
    expect((await eventRowsFor(link.id))[0]).toMatchObject({
      published_at: null,
      send_attempts: 2,
      last_send_error: expect.stringContaining(QUEUE_SEND_FAILURE),
    });

    await cronAt(due, { ...env, CHAOS: "" } as ApiEnv);
    const [received] = await waitForEvents((e) => e.id === row?.id);
    expect(received).toEqual(JSON.parse(row?.envelope ?? ""));
    expect((await eventRowsFor(link.id))[0]?.published_at).not.toBeNull();
  });

  it("at 1: redirects still answer, and the click batch the requests share is spooled, not sent (one batch: the failing queue is one per binding)", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/chaos-clicks" });
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    // Two requests, each with an env object of its own, inside one batch window.
    const first = await fetchIn(allSendsFail(), `/${link.slug}`);
    const second = await fetchIn(allSendsFail(), `/${link.slug}`);
    await Promise.all([first.done, second.done]);
    expect([first.res.status, second.res.status]).toEqual([302, 302]);
    const spooledOnly = warnings.mock.calls
      .map(([line]) => JSON.parse(String(line)) as { msg?: string; eventId?: string; error?: string; clicks?: number; sendAttempts?: number })
      .filter((l) => l.msg === "click batch spooled, not sent; the reconciler sends it" && l.error === QUEUE_SEND_FAILURE);
    expect(spooledOnly).toEqual([expect.objectContaining({ clicks: 2, sendAttempts: 3 })]);
    // The batch waits in the spool for the reconciler (README "Clicks are telemetry").
    expect(await env.CLICK_SPOOL.head(`batches/${spooledOnly[0]?.eventId ?? ""}`)).not.toBeNull();
  });

  it("at 0 sends as usual", async () => {
    const team = await createTeam();
    const { res, done } = await fetchIn(chaosEnv({ queueSendFailureRate: 0 }), "/v1/links", json({ url: "https://example.com/chaos-off" }, team.auth));
    await done;
    expect(res.status).toBe(201);
    const link = (await res.json()) as LinkBody;
    await waitForEvents((e) => e.type === "LinkCreated" && e.subject === link.id);
  });

  it("refuses to run with an invalid CHAOS, naming the field", async () => {
    await expect(fetchIn(chaosEnv({ queueSendFailureRate: 2 }), "/healthz")).rejects.toThrow(/invalid CHAOS[\s\S]*queueSendFailureRate/);
  });
});
