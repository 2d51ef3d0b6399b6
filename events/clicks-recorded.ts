import { z } from "zod";
import { envelopeSchema, isoDateTimeSchema, linkIdSchema, teamIdSchema, traceIdSchema } from "./envelope";

/**
 * Clicks are telemetry, not lifecycle events: each api isolate packs the clicks of up to about
 * a second into one ClicksRecorded batch on the click topic (`click-events`). The batch is the
 * unit of delivery, idempotency (one receipt per consumer and batch id) and of the ledger.
 *
 * Compact by construction (a queue message holds 128 KB): links, user agents and referrer hosts
 * are dictionaries, each human click is a tuple of indexes into them, and bot and HEAD clicks
 * are counts per link only. A batch never spans two UTC days, so every count has one day.
 * The envelope's teamId is SYSTEM_TEAM_ID when the batch holds several teams' clicks (each
 * link names its team); `subject` is "clicks".
 */

/** Most human clicks one batch carries; with the dictionaries that stays under ~100 KB. */
export const MAX_CLICKS_PER_BATCH = 1_000;
/** Most distinct links (and agents, referrers) one batch names. */
export const MAX_BATCH_DICTIONARY = 1_000;
/** A batch covers at most this long (the packer seals it after ~1 s; slack for slow isolates). */
export const MAX_BATCH_SPAN_MS = 60_000;

const visitorHashSchema = z.string().regex(/^[0-9a-f]{32}$/);
const countrySchema = z.string().regex(/^[A-Z]{2}$/);
const index = z
  .number()
  .int()
  .min(0)
  .max(MAX_BATCH_DICTIONARY - 1);
/** An index into a dictionary, or -1 for none (no Referer, no User-Agent). */
const optionalIndex = z
  .number()
  .int()
  .min(-1)
  .max(MAX_BATCH_DICTIONARY - 1);

export const clickLinkSchema = z.strictObject({ linkId: linkIdSchema, teamId: teamIdSchema, slug: z.string().min(1).max(64) });

/** [link index, ms after `from`, trace id, country | null, referrer index | -1, agent index | -1, visitor hash] */
export const humanClickSchema = z.tuple([
  index,
  z.number().int().min(0).max(MAX_BATCH_SPAN_MS),
  traceIdSchema,
  countrySchema.nullable(),
  optionalIndex,
  optionalIndex,
  visitorHashSchema,
]);
export type HumanClickTuple = z.infer<typeof humanClickSchema>;

/** [link index, bot GET clicks, HEAD requests]: counted, never carried one by one. */
export const botCountSchema = z.tuple([index, z.number().int().min(0), z.number().int().min(0)]);

export const clicksRecordedDataSchema = z
  .strictObject({
    from: isoDateTimeSchema,
    to: isoDateTimeSchema,
    links: z.array(clickLinkSchema).min(1).max(MAX_BATCH_DICTIONARY),
    agents: z.array(z.string().min(1).max(512)).max(MAX_BATCH_DICTIONARY),
    referrers: z.array(z.string().min(1).max(255)).max(MAX_BATCH_DICTIONARY),
    clicks: z.array(humanClickSchema).max(MAX_CLICKS_PER_BATCH),
    bots: z.array(botCountSchema).max(MAX_BATCH_DICTIONARY),
  })
  .superRefine((data, ctx) => {
    const fail = (message: string, path: (string | number)[] = []) => ctx.addIssue({ code: "custom", message, path });
    const span = Date.parse(data.to) - Date.parse(data.from);
    if (span < 0 || span > MAX_BATCH_SPAN_MS) fail(`to must be within ${MAX_BATCH_SPAN_MS} ms after from`, ["to"]);
    if (data.from.slice(0, 10) !== data.to.slice(0, 10)) fail("a batch never spans two UTC days", ["to"]);
    if (data.clicks.length === 0 && data.bots.length === 0) fail("a batch holds at least one click or bot count", ["clicks"]);
    data.clicks.forEach(([link, offset, , , referrer, agent], i) => {
      if (link >= data.links.length) fail("link index out of range", ["clicks", i, 0]);
      if (offset > span) fail("click after the batch's end", ["clicks", i, 1]);
      if (referrer >= data.referrers.length) fail("referrer index out of range", ["clicks", i, 4]);
      if (agent >= data.agents.length) fail("agent index out of range", ["clicks", i, 5]);
    });
    data.bots.forEach(([link, bots, heads], i) => {
      if (link >= data.links.length) fail("link index out of range", ["bots", i, 0]);
      if (bots + heads === 0) fail("a bot count of zero is not sent", ["bots", i]);
    });
  });
export type ClicksRecordedData = z.infer<typeof clicksRecordedDataSchema>;

export const clicksRecordedV1 = envelopeSchema("ClicksRecorded", 1, clicksRecordedDataSchema);
export type ClicksRecorded = z.infer<typeof clicksRecordedV1>;

/** One human click of a batch, with its dictionaries resolved: what LinkClicked carries, and more. */
export interface ClickRecord {
  /** Derived from the batch id and the click's position: stable across redeliveries (a webhook-id). */
  eventId: string;
  linkId: string;
  teamId: string;
  slug: string;
  occurredAt: string;
  traceId: string;
  country: string | null;
  referrerHost: string | null;
  userAgent: string | null;
  visitorHash: string;
}

export interface BotCount {
  linkId: string;
  teamId: string;
  slug: string;
  /** The UTC day of the batch. */
  day: string;
  bots: number;
  heads: number;
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * The `n`th event id after a ULID event id: the ULID's 80 random bits plus n, as monotonic
 * ULID generators do. Clicks of one batch get distinct, valid, reproducible ids without
 * carrying one each. (Wraps at 2^80, which random bits never come near.)
 */
export function nthEventIdAfter(batchId: string, n: number): string {
  const chars = batchId.slice("evt_".length).split("");
  let carry = n;
  for (let i = chars.length - 1; i >= 10 && carry > 0; i--) {
    const sum = CROCKFORD.indexOf(chars[i] ?? "0") + carry;
    chars[i] = CROCKFORD[sum % 32] ?? "0";
    carry = Math.floor(sum / 32);
  }
  return `evt_${chars.join("")}`;
}

/** The batch's human clicks, one record each, in the order they were made. */
export function clickRecordsOf(batch: ClicksRecorded): ClickRecord[] {
  const from = Date.parse(batch.data.from);
  return batch.data.clicks.map(([link, offset, traceId, country, referrer, agent, visitorHash], i) => {
    const target = batch.data.links[link];
    if (!target) throw new Error(`ClicksRecorded ${batch.id}: link index ${link} out of range`);
    return {
      eventId: nthEventIdAfter(batch.id, i + 1),
      linkId: target.linkId,
      teamId: target.teamId,
      slug: target.slug,
      occurredAt: new Date(from + offset).toISOString(),
      traceId,
      country,
      referrerHost: referrer === -1 ? null : (batch.data.referrers[referrer] ?? null),
      userAgent: agent === -1 ? null : (batch.data.agents[agent] ?? null),
      visitorHash,
    };
  });
}

/** The batch's bot and HEAD counts per link. */
export function botCountsOf(batch: ClicksRecorded): BotCount[] {
  const day = batch.data.from.slice(0, 10);
  return batch.data.bots.flatMap(([link, bots, heads]) => {
    const target = batch.data.links[link];
    return target ? [{ ...target, day, bots, heads }] : [];
  });
}

/** A batch's totals: what its log lines and its ledger summary say of it. */
export interface ClickBatchCounts {
  clicks: number;
  bots: number;
  heads: number;
  links: number;
  teams: number;
}

export function clickCountsOf(batch: ClicksRecorded): ClickBatchCounts {
  let bots = 0;
  let heads = 0;
  for (const [, b, h] of batch.data.bots) {
    bots += b;
    heads += h;
  }
  return { clicks: batch.data.clicks.length, bots, heads, links: batch.data.links.length, teams: new Set(batch.data.links.map((l) => l.teamId)).size };
}
