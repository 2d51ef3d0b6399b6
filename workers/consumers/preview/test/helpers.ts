import { createExecutionContext, createMessageBatch, env, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { vi } from "vitest";
import { linkEventSchema, type LinkEvent, type LinkField } from "#events";
import { sampleEvents } from "#events/samples";
import worker from "../src/index";
import type { Previews } from "../src/previews";
import { storedPreview } from "../src/preview-store";

/** The Worker's own Previews entrypoint, over real RPC (typed: generated types cannot see it). */
export const previews = (exports as unknown as Record<"Previews", Service<Previews>>).Previews;

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ulid = () => Array.from(crypto.getRandomValues(new Uint8Array(26)), (b) => CROCKFORD[b % 32]).join("");
export const newLinkId = () => `lnk_${ulid()}`;
const newEventId = () => `evt_${ulid()}`;

export interface TestLink {
  id: string;
  url: string;
  /** Minutes after the sample's createdAt: the link's updatedAt, its version. */
  minute?: number;
}

const at = (minute = 0) => new Date(Date.parse("2026-11-26T10:00:00.000Z") + minute * 60_000).toISOString();
const snapshot = (link: TestLink) => ({ ...structuredClone(sampleEvents["LinkCreated.v1"].data.link), id: link.id, url: link.url, updatedAt: at(link.minute) });

/** The controls LinkCreated v3 and LinkUpdated v2 add to the snapshot, as the v3 sample has them. */
function controls() {
  const { passwordProtected, expiredUrl, maxClicks, rules, utm, og } = structuredClone(sampleEvents["LinkCreated.v3"].data.link);
  return { passwordProtected, expiredUrl, maxClicks, rules, utm, og };
}

/** Envelopes built from the samples and parsed by the events module, so each is one a producer could send. */
export function created(link: TestLink, version: 2 | 3 = 3): LinkEvent {
  return linkEventSchema.parse({
    ...sampleEvents[`LinkCreated.v${version}`],
    id: newEventId(),
    subject: link.id,
    data: { link: version === 3 ? { ...snapshot(link), ...controls() } : snapshot(link), domain: "lnk.example" },
  });
}

export function updated(link: TestLink, changed: LinkField[], version: 1 | 2 = 2): LinkEvent {
  return linkEventSchema.parse({
    ...sampleEvents[`LinkUpdated.v${version}`],
    id: newEventId(),
    subject: link.id,
    data: { link: version === 2 ? { ...snapshot(link), ...controls() } : snapshot(link), changed, previous: {} },
  });
}

export function deleted(link: TestLink): LinkEvent {
  const data = { linkId: link.id, slug: "abc", deletedAt: at(link.minute) };
  return linkEventSchema.parse({ ...sampleEvents["LinkDeleted.v1"], id: newEventId(), subject: link.id, data });
}

let batches = 0;

/** Runs the Worker's real queue handler on one batch; returns which messages were acked or retried. */
export async function deliver(bodies: unknown[]) {
  batches += 1;
  const messages = bodies.map((body, i) => ({ id: `b${batches}-m${i}`, timestamp: new Date(), attempts: 1, body }));
  const batch = createMessageBatch("preview-events", messages);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  await waitOnExecutionContext(ctx);
  return getQueueResult(batch, ctx);
}

export const stored = (linkId: string) => storedPreview(env.PREVIEWS, linkId);

/** Every URL the destination servers were asked for so far (test/origin.ts). */
export async function requested(): Promise<string[]> {
  return (await env.REQUESTED.fetch("https://requested/")).json();
}

interface ReportMessage {
  reports: { eventId: string; status: string; duplicate?: boolean }[];
}

/** Waits for the delivery report the toolkit sent for `eventId`. */
export async function reportFor(eventId: string) {
  const [first] = await reportsFor(eventId, 1);
  if (!first) throw new Error(`no report for ${eventId}`);
  return first;
}

/** The first `count` reports the consumer sent to the ledger about one event, in order. */
export function reportsFor(eventId: string, count: number) {
  return vi.waitUntil(
    async () => {
      const res = await env.RECORDER.fetch("https://recorder/?queue=delivery-reports");
      const messages = ((await res.json()) as { body: ReportMessage }[]).map((r) => r.body);
      const reports = messages.flatMap((m) => m.reports).filter((r) => r.eventId === eventId);
      return reports.length >= count ? reports.slice(0, count) : false;
    },
    { timeout: 5_000, interval: 20 },
  );
}
