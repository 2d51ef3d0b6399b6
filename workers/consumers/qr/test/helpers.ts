import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { vi } from "vitest";
import { linkEventSchema, type LinkEvent, type LinkField } from "#events";
import { sampleEvents } from "#events/samples";
import { valueOf } from "../../../../test/support/rpc-answers";
import worker from "../src/index";
import type { QrCodes } from "../src/qr-codes";
import { qrKey, receiptKey, tombstoneKey } from "../src/qr-store";
import { queueBatch, settleBatch } from "../../../../test/support/queue-batch";

/** The Worker's own QrCodes entrypoint, over real RPC (typed: generated types cannot see it). */
export const qrCodesRpc = (exports as unknown as Record<"QrCodes", Service<QrCodes>>).QrCodes;

/** Its answers' values, for the tests that expect one. */
export const qrCodes = { qrCode: async (input: unknown) => valueOf(await qrCodesRpc.qrCode(input)) };

/** The SHORT_BASE_URL of this project's vitest config. */
export const BASE = "https://qr.test";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ulid = () => Array.from(crypto.getRandomValues(new Uint8Array(26)), (b) => CROCKFORD[b % 32]).join("");

export const newLinkId = () => `lnk_${ulid()}`;
const newEventId = () => `evt_${ulid()}`;

export interface TestLink {
  id: string;
  slug: string;
  /** Minutes after the sample's createdAt: the link's updatedAt, its version. */
  minute?: number;
}

const at = (minute = 0) => new Date(Date.parse("2026-11-26T10:00:00.000Z") + minute * 60_000).toISOString();

function snapshot(link: TestLink) {
  return { ...structuredClone(sampleEvents["LinkCreated.v1"].data.link), id: link.id, slug: link.slug, updatedAt: at(link.minute) };
}

/** The controls LinkCreated v3 and LinkUpdated v2 add to the snapshot, as the v3 sample has them. */
function controls() {
  const { passwordProtected, expiredUrl, maxClicks, rules, utm, og } = structuredClone(sampleEvents["LinkCreated.v3"].data.link);
  return { passwordProtected, expiredUrl, maxClicks, rules, utm, og };
}

/** Envelopes built from the samples and parsed by the events module, so each is one a producer could send. */
export function created(link: TestLink, version: 1 | 2 | 3 = 3, domain = "lnk.example"): LinkEvent {
  const data = version === 1 ? { link: snapshot(link) } : { link: version === 3 ? { ...snapshot(link), ...controls() } : snapshot(link), domain };
  return linkEventSchema.parse({ ...sampleEvents[`LinkCreated.v${version}`], id: newEventId(), subject: link.id, data });
}

export function updated(link: TestLink, changed: LinkField[] = ["slug"], previous: Record<string, unknown> = {}, version: 1 | 2 = 2): LinkEvent {
  const data = { link: version === 2 ? { ...snapshot(link), ...controls() } : snapshot(link), changed, previous };
  return linkEventSchema.parse({ ...sampleEvents[`LinkUpdated.v${version}`], id: newEventId(), subject: link.id, data });
}

export function deleted(link: TestLink): LinkEvent {
  const data = { linkId: link.id, slug: link.slug, deletedAt: at(link.minute) };
  return linkEventSchema.parse({ ...sampleEvents["LinkDeleted.v1"], id: newEventId(), subject: link.id, data });
}

/** Runs the Worker's real queue handler on one batch; returns which messages were acked or retried. */
export async function deliver(bodies: unknown[], options: { attempts?: number; env?: Cloudflare.Env } = {}) {
  const batch = queueBatch("qr-events", bodies, options.attempts);
  const result = await settleBatch(batch, (b) => worker.queue(b, options.env ?? env));
  return { ids: batch.messages.map((m) => m.id), result };
}

/** Events one at a time, each in its own batch: the order they arrive in is the order given. */
export async function deliverInOrder(events: LinkEvent[]): Promise<void> {
  for (const event of events) await deliver([event]);
}

export const stored = (linkId: string) => env.QR_BUCKET.get(qrKey(linkId));
export const storedHead = (linkId: string) => env.QR_BUCKET.head(qrKey(linkId));
export const tombstone = (linkId: string) => env.QR_BUCKET.head(tombstoneKey(linkId));
export const receipt = (eventId: string) => env.QR_BUCKET.head(receiptKey(eventId));

interface ReportMessage {
  reports: { eventId: string; status: string; attempts: number; error: string | null; duplicate?: boolean }[];
  invalid: { body: string; reason: string; attempts: number }[];
}

async function reportMessages(): Promise<ReportMessage[]> {
  const res = await env.RECORDER.fetch("https://recorder/?queue=delivery-reports");
  return ((await res.json()) as { body: ReportMessage }[]).map((r) => r.body);
}

/** Waits for (at least `count` of) the delivery reports the toolkit sent for `eventId`. */
export function reportsFor(eventId: string, count = 1) {
  return vi.waitUntil(
    async () => {
      const found = (await reportMessages()).flatMap((m) => m.reports.filter((r) => r.eventId === eventId));
      return found.length >= count ? found : false;
    },
    { timeout: 5_000, interval: 20 },
  );
}

/** Waits for the dead-letter entry (an `invalid` report) whose body contains `marker`. */
export function invalidReportFor(marker: string) {
  return vi.waitUntil(async () => (await reportMessages()).flatMap((m) => m.invalid).find((i) => i.body.includes(marker)) ?? false, {
    timeout: 5_000,
    interval: 20,
  });
}
