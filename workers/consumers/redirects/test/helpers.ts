import { env } from "cloudflare:test";
import { redirectKey, redirectRecordSchema, type RedirectRecord } from "#contracts/redirects/redirect-record";
import { linkEventSchema, linkSnapshotV2Schema, type LinkEvent, type LinkField, type LinkSnapshotV2 } from "#events";
import { sampleEvents } from "#events/samples";
import { waitForReports } from "../../../../test/support/consumer-harness";
import { runBatch } from "../../../../test/support/queue-batch";
import worker from "../src/index";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const ulid = () => Array.from(crypto.getRandomValues(new Uint8Array(26)), (b) => CROCKFORD[b % 32]).join("");
export const newLinkId = () => `lnk_${ulid()}`;
const newEventId = () => `evt_${ulid()}`;
/** A slug no other test uses (the namespace is shared by the tests of a file). */
export const newSlug = (hint = "s") => `${hint}-${ulid().slice(0, 12).toLowerCase()}`;

export interface TestLink {
  id: string;
  slug: string;
  url: string;
  /** Minutes after the sample's createdAt: the link's updatedAt (its version), or its deletedAt. */
  minute?: number;
}

export const at = (minute = 0) => new Date(Date.parse("2026-11-26T10:00:00.000Z") + minute * 60_000).toISOString();
const snapshot = (link: TestLink) => ({
  ...structuredClone(sampleEvents["LinkCreated.v1"].data.link),
  id: link.id,
  slug: link.slug,
  url: link.url,
  updatedAt: at(link.minute),
});
const TEAM = sampleEvents["LinkCreated.v2"].teamId;
export const teamId = TEAM;

/** Envelopes built from the samples and parsed by the events module, so each is one a producer could send. */
export function created(link: TestLink): LinkEvent {
  return linkEventSchema.parse({
    ...sampleEvents["LinkCreated.v2"],
    id: newEventId(),
    subject: link.id,
    data: { link: snapshot(link), domain: "lnk.example" },
  });
}

/** `link` after the change, with the fields that changed and their values before it. */
export function updated(link: TestLink, previous: { slug?: string; url?: string }): LinkEvent {
  const changed = Object.keys(previous) as LinkField[];
  return linkEventSchema.parse({
    ...sampleEvents["LinkUpdated.v1"],
    id: newEventId(),
    subject: link.id,
    data: { link: snapshot(link), changed, previous },
  });
}

export type TestControls = Pick<LinkSnapshotV2, "passwordProtected" | "expiredUrl" | "maxClicks" | "rules" | "utm" | "og">;

/** The controls of the LinkCreated v3 sample (the fields LinkCreated v3 and LinkUpdated v2 add). */
export const sampleControls: TestControls = (() => {
  const { passwordProtected, expiredUrl, maxClicks, rules, utm, og } = structuredClone(sampleEvents["LinkCreated.v3"].data.link);
  return linkSnapshotV2Schema
    .pick({ passwordProtected: true, expiredUrl: true, maxClicks: true, rules: true, utm: true, og: true })
    .parse({ passwordProtected, expiredUrl, maxClicks, rules, utm, og });
})();

/** LinkCreated v3: the link with its controls. */
export function createdV3(link: TestLink, controls: TestControls = sampleControls): LinkEvent {
  return linkEventSchema.parse({
    ...sampleEvents["LinkCreated.v3"],
    id: newEventId(),
    subject: link.id,
    data: { link: { ...snapshot(link), ...controls }, domain: "lnk.example" },
  });
}

/** LinkUpdated v2: the link with its controls after the change, and what changed. */
export function updatedV2(link: TestLink, controls: TestControls, changed: string[], previous: Record<string, unknown> = {}): LinkEvent {
  return linkEventSchema.parse({
    ...sampleEvents["LinkUpdated.v2"],
    id: newEventId(),
    subject: link.id,
    data: { link: { ...snapshot(link), ...controls }, changed, previous },
  });
}

export function deleted(link: TestLink): LinkEvent {
  const data = { linkId: link.id, slug: link.slug, deletedAt: at(link.minute) };
  return linkEventSchema.parse({ ...sampleEvents["LinkDeleted.v1"], id: newEventId(), subject: link.id, data });
}

export function clicked(link: TestLink): LinkEvent {
  const sample = sampleEvents["LinkClicked.v1"];
  return linkEventSchema.parse({ ...sample, id: newEventId(), subject: link.id, data: { ...sample.data, linkId: link.id, slug: link.slug } });
}

/**
 * One link's whole life in five events: created at `a`, its url changed, moved to `b`, moved back
 * to `a`, deleted there.
 */
export function lifeOfALink(a = newSlug("a"), b = newSlug("b")) {
  const id = newLinkId();
  const events = [
    created({ id, slug: a, url: "https://example.com/v0", minute: 0 }),
    updated({ id, slug: a, url: "https://example.com/v1", minute: 1 }, { url: "https://example.com/v0" }),
    updated({ id, slug: b, url: "https://example.com/v1", minute: 2 }, { slug: a }),
    updated({ id, slug: a, url: "https://example.com/v1", minute: 3 }, { slug: b }),
    deleted({ id, slug: a, url: "", minute: 4 }),
  ];
  return { id, a, b, events };
}

/** Runs the Worker's real queue handler on one batch; returns which messages were acked or retried. */
export const deliver = (bodies: readonly unknown[]) => runBatch("redirects-events", bodies, (batch) => worker.queue(batch, env));

/** The slug's stored record, parsed (null when there is none). */
export async function record(slug: string): Promise<RedirectRecord | null> {
  const raw = await env.REDIRECTS.get(redirectKey(slug), "json");
  return raw === null ? null : redirectRecordSchema.parse(raw);
}

/** The slug's key as KV lists it: its expiration (seconds since the epoch) when it has one. */
export async function listed(slug: string) {
  const { keys } = await env.REDIRECTS.list({ prefix: redirectKey(slug) });
  return keys.find((k) => k.name === redirectKey(slug));
}

/** The first `count` reports the consumer sent to the ledger about one event, in order. */
export const reportsFor = (eventId: string, count: number) =>
  waitForReports(env.RECORDER, (reports) => reports.flatMap((r) => r.reports).filter((r) => r.eventId === eventId), count).then((found) =>
    found.slice(0, count),
  );
