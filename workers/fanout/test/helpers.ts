import { env } from "cloudflare:test";
import { vi } from "vitest";
import type { LinkEvent } from "#events";
import { sampleEvents } from "#events/samples";
import { exports } from "cloudflare:workers";
import { valueOf } from "../../../test/support/rpc-answers";
import worker from "../src/index";
import type { Ledger } from "../src/ledger";
import { runBatch } from "../../../test/support/queue-batch";

/** The Worker's own Ledger entrypoint, called over real RPC (typed: generated types cannot see it). */
export const ledgerRpc = (exports as unknown as Record<"Ledger", Service<Ledger>>).Ledger;

/** Its answers' values, for the tests that expect one. */
export const ledger = {
  eventTrace: async (input: unknown) => valueOf(await ledgerRpc.eventTrace(input)),
  deadLetters: async (input: unknown) => valueOf(await ledgerRpc.deadLetters(input)),
  redrive: async (input: unknown) => valueOf(await ledgerRpc.redrive(input)),
  replay: async (input: unknown) => valueOf(await ledgerRpc.replay(input)),
  unfinished: async (input: unknown) => valueOf(await ledgerRpc.unfinished(input)),
};

let seq = 0;

/** A sample event with a fresh id (and optionally other fields), so test files never collide. */
export function freshEvent(key: keyof typeof sampleEvents, overrides: Partial<LinkEvent> = {}): LinkEvent {
  seq += 1;
  const id = `evt_01JE${String(Date.now() % 1e9).padStart(9, "0")}${String(seq).padStart(13, "0")}`.slice(0, 30);
  return { ...structuredClone(sampleEvents[key]), id, ...overrides } as LinkEvent;
}

/** Runs the Worker's real queue handler on a batch and returns which messages were acked or retried. */
export function deliver(queue: string, bodies: unknown[], attempts = 1) {
  return runBatch(queue, bodies, (batch) => worker.queue(batch, env), attempts);
}

interface Recorded {
  queue: string;
  body: { id?: string };
}

/** Waits until the recorder has seen at least `count` messages on `queue` matching `id`. */
export async function recorded(queue: string, id: string, count = 1): Promise<Recorded[]> {
  return vi.waitUntil(
    async () => {
      const res = await env.RECORDER.fetch(`https://recorder/?queue=${queue}`);
      const items = ((await res.json()) as Recorded[]).filter((r) => r.body.id === id);
      return items.length >= count ? items : false;
    },
    { timeout: 5_000, interval: 20 },
  );
}

export async function recordedNow(queue: string, id: string): Promise<Recorded[]> {
  const res = await env.RECORDER.fetch(`https://recorder/?queue=${queue}`);
  return ((await res.json()) as Recorded[]).filter((r) => r.body.id === id);
}

export async function delivery(eventId: string, subscriber: string) {
  return env.LEDGER_DB.prepare("SELECT status, attempts, last_error, processed_at FROM deliveries WHERE event_id = ? AND subscriber = ?")
    .bind(eventId, subscriber)
    .first<{ status: string; attempts: number; last_error: string | null; processed_at: string | null }>();
}
