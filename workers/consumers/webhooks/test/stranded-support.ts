// Shared by the stranded-delivery tests: delivery rows whose message was lost, the sweep run by
// the cron or straight into a recording queue, and what that queue received.
import { createScheduledController, env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { expect, vi } from "vitest";
import { webhookDeliveries } from "#db/webhooks";
import type { DeliveryMessage } from "../src/delivery-message";
import { webhookBody, type WebhookSourceEvent } from "../src/event-names";
import { newId } from "../../../shared/ids";
import worker from "../src/index";
import { requeueStrandedDeliveries, type SweepOptions } from "../src/stranded-deliveries";
import { linkEvent } from "./helpers";

// A delivery whose queue message was lost (a purged queue, an incident, a restart of the
// local broker) is found by the minute cron and queued again. Rows are written as the
// fan-out (or a failed attempt) leaves them, and their message is simply never sent.
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
/** WEBHOOKS_STRANDED_AFTER_SECONDS: the default, this project sets no other. */
export const GRACE = 120 * SECOND;
export const OPTIONS: SweepOptions = { graceSeconds: GRACE / SECOND, limit: 500 };
export const iso = (ms: number) => new Date(ms).toISOString();

/** The tests of a file share one database: each starts from an empty delivery log, so a run's counts are its own. */
export async function emptyDeliveryLog(): Promise<void> {
  await env.WEBHOOKS_DB.prepare("DELETE FROM webhook_deliveries").run();
}

export type RowFields = Partial<typeof webhookDeliveries.$inferInsert>;

/** A delivery row as the fan-out writes it (pending, no attempt yet) with `fields` over it; no message is sent. */
export async function deliveryWithoutMessage(
  team: string,
  endpointId: string,
  fields: RowFields = {},
): Promise<{ id: string; eventId: string; message: DeliveryMessage }> {
  const event = linkEvent(team) as WebhookSourceEvent;
  const id = newId("dlv");
  await drizzle(env.WEBHOOKS_DB)
    .insert(webhookDeliveries)
    .values({
      id,
      endpointId,
      teamId: team,
      eventId: event.id,
      eventType: "link.created",
      payload: webhookBody(event),
      status: "pending",
      attempts: 0,
      createdAt: iso(Date.now()),
      ...fields,
    });
  // The message the delivery waits for: the one that was lost.
  return { id, eventId: event.id, message: { endpointId, eventId: event.id, attempt: (fields.attempts ?? 0) + 1 } };
}

/** Runs the minute cron as Cloudflare would at `at`, and returns the counts it logged (one line per run). */
export async function sweepByCron(at: number): Promise<Record<string, unknown>> {
  const log = vi.spyOn(console, "log");
  try {
    await worker.scheduled(createScheduledController({ scheduledTime: at, cron: "* * * * *" }), env);
    const lines = log.mock.calls.flatMap(([line]) => {
      try {
        const parsed = JSON.parse(String(line)) as Record<string, unknown>;
        return parsed.msg === "stranded deliveries re-queued" ? [parsed] : [];
      } catch {
        return [];
      }
    });
    expect(lines).toHaveLength(1);
    return lines[0] ?? {};
  } finally {
    log.mockRestore();
  }
}

/**
 * The sweep itself at `at`, its messages sent to a queue the test records (the report
 * recorder's) instead of `webhook-deliveries`: no attempt follows, so the rows stay as the
 * sweep left them, and the test sees every message it sent.
 */
export function sweepToRecorder(at: number, options: SweepOptions = OPTIONS) {
  return requeueStrandedDeliveries(env.WEBHOOKS_DB, env.DELIVERY_REPORTS, new Date(at), options);
}

export async function recordedFor(eventIds: string[]): Promise<DeliveryMessage[]> {
  const all = (await (await env.RECORDER.fetch("https://recorder/?queue=delivery-reports")).json()) as { body: DeliveryMessage }[];
  return all.map((r) => r.body).filter((body) => eventIds.includes(body.eventId));
}

export async function waitForRecorded(eventIds: string[], count: number): Promise<DeliveryMessage[]> {
  return vi.waitUntil(
    async () => {
      const found = await recordedFor(eventIds);
      return found.length >= count ? found : false;
    },
    { timeout: 10_000, interval: 50 },
  );
}

export const byEvent = (a: DeliveryMessage, b: DeliveryMessage) => a.eventId.localeCompare(b.eventId);
