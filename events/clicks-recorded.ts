import { z } from "zod";
import { envelopeSchema, isoDateTimeSchema, linkIdSchema, teamIdSchema, traceIdSchema } from "./envelope";
import { MAX_RULES } from "./link-controls";

/**
 * Clicks are telemetry, not lifecycle events: each api isolate packs the clicks of up to about
 * a second into one ClicksRecorded batch on the click topic (`click-events`). The batch is the
 * unit of delivery, idempotency (one receipt per consumer and batch id) and of the ledger.
 *
 * Compact by construction (a queue message holds 128 KB): links, user agents, referrer hosts
 * and (v2) places are dictionaries, each human click is a tuple of indexes into them, and bot
 * and HEAD clicks are counts per link only. A batch never spans two UTC days, so every count has
 * one day. The envelope's teamId is SYSTEM_TEAM_ID when the batch holds several teams' clicks
 * (each link names its team); `subject` is "clicks".
 *
 * v2 adds, per human click, how the visitor came (a QR scan or the link), the targeting rule
 * that chose the destination, and the place (region and city) the edge located the visitor in.
 * Producers send v2; consumers accept v1 too (its clicks: the link, no rule, no place).
 */

/** Most human clicks one batch carries; with the dictionaries that stays under the packer's ~118 KB. */
export const MAX_CLICKS_PER_BATCH = 1_000;
/** Most distinct links (and agents, referrers, places) one batch names. */
export const MAX_BATCH_DICTIONARY = 1_000;
/** A batch covers at most this long (the packer seals it after ~1 s; slack for slow isolates). */
export const MAX_BATCH_SPAN_MS = 60_000;
/** Longest city or region name a click carries (longer names from the edge are dropped, not cut). */
export const MAX_PLACE_NAME = 100;

const visitorHashSchema = z.string().regex(/^[0-9a-f]{32}$/);
const countrySchema = z.string().regex(/^[A-Z]{2}$/);
const index = z
  .number()
  .int()
  .min(0)
  .max(MAX_BATCH_DICTIONARY - 1);
/** An index into a dictionary, or -1 for none (no Referer, no User-Agent, no place). */
const optionalIndex = z
  .number()
  .int()
  .min(-1)
  .max(MAX_BATCH_DICTIONARY - 1);

/** A city or region name as the edge gives it: no control characters (C0, DEL, C1), which never name a place. */
export const PLACE_NAME = /^[^\u0000-\u001f\u007f-\u009f]+$/;
export const placeNameSchema = z.string().min(1).max(MAX_PLACE_NAME).regex(PLACE_NAME, "control characters are not allowed");

export const clickLinkSchema = z.strictObject({ linkId: linkIdSchema, teamId: teamIdSchema, slug: z.string().min(1).max(64) });

const v1Columns = [
  index,
  z.number().int().min(0).max(MAX_BATCH_SPAN_MS),
  traceIdSchema,
  countrySchema.nullable(),
  optionalIndex,
  optionalIndex,
  visitorHashSchema,
] as const;

/** [link index, ms after `from`, trace id, country | null, referrer index | -1, agent index | -1, visitor hash] */
export const humanClickSchema = z.tuple([...v1Columns]);
export type HumanClickTuple = z.infer<typeof humanClickSchema>;

/**
 * v2: v1's columns, then [1 for a QR scan | 0 for the link, rule index | -1, place index | -1].
 * Numbers, not words: at most 9 characters more a click, so 1,000 clicks still fit a message.
 */
export const humanClickV2Schema = z.tuple([
  ...v1Columns,
  z.union([z.literal(0), z.literal(1)]),
  z
    .number()
    .int()
    .min(-1)
    .max(MAX_RULES - 1),
  optionalIndex,
]);
export type HumanClickV2Tuple = z.infer<typeof humanClickV2Schema>;

/** [region | null, city | null]: where the edge placed a visitor (never both null; no address). */
export const placeSchema = z.tuple([placeNameSchema.nullable(), placeNameSchema.nullable()]).refine(([region, city]) => region !== null || city !== null, {
  message: "a place names a region or a city",
});

/** [link index, bot GET clicks, HEAD requests]: counted, never carried one by one. */
export const botCountSchema = z.tuple([index, z.number().int().min(0), z.number().int().min(0)]);

const batchShape = {
  from: isoDateTimeSchema,
  to: isoDateTimeSchema,
  links: z.array(clickLinkSchema).min(1).max(MAX_BATCH_DICTIONARY),
  agents: z.array(z.string().min(1).max(512)).max(MAX_BATCH_DICTIONARY),
  referrers: z.array(z.string().min(1).max(255)).max(MAX_BATCH_DICTIONARY),
  bots: z.array(botCountSchema).max(MAX_BATCH_DICTIONARY),
};

interface BatchToCheck {
  from: string;
  to: string;
  links: readonly unknown[];
  agents: readonly unknown[];
  referrers: readonly unknown[];
  clicks: readonly (readonly [number, number, string, string | null, number, number, ...unknown[]])[];
  bots: readonly (readonly [number, number, number])[];
}

/** The rules both versions share: span, one UTC day, indexes in range, no empty counts. */
function checkBatch(data: BatchToCheck, ctx: z.RefinementCtx): void {
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
}

export const clicksRecordedDataSchema = z.strictObject({ ...batchShape, clicks: z.array(humanClickSchema).max(MAX_CLICKS_PER_BATCH) }).superRefine(checkBatch);
export type ClicksRecordedData = z.infer<typeof clicksRecordedDataSchema>;

export const clicksRecordedV2DataSchema = z
  .strictObject({
    ...batchShape,
    places: z.array(placeSchema).max(MAX_BATCH_DICTIONARY),
    clicks: z.array(humanClickV2Schema).max(MAX_CLICKS_PER_BATCH),
  })
  .superRefine((data, ctx) => {
    checkBatch(data, ctx);
    data.clicks.forEach(([, , , , , , , , , place], i) => {
      if (place >= data.places.length) ctx.addIssue({ code: "custom", message: "place index out of range", path: ["clicks", i, 9] });
    });
  });
export type ClicksRecordedV2Data = z.infer<typeof clicksRecordedV2DataSchema>;

export const clicksRecordedV1 = envelopeSchema("ClicksRecorded", 1, clicksRecordedDataSchema);
export const clicksRecordedV2 = envelopeSchema("ClicksRecorded", 2, clicksRecordedV2DataSchema);
export type ClicksRecordedV1 = z.infer<typeof clicksRecordedV1>;
export type ClicksRecordedV2 = z.infer<typeof clicksRecordedV2>;

/** Every ClicksRecorded version in flight, picked by `version`: what the spool and the consumers read. */
export const clicksRecordedSchema = z.discriminatedUnion("version", [clicksRecordedV1, clicksRecordedV2]);
export type ClicksRecorded = z.infer<typeof clicksRecordedSchema>;
