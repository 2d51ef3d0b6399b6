import type { ClicksRecorded } from "./clicks-recorded";

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
  /** "qr" when the visitor scanned the link's QR code (its marked URL); v1 batches: "link". */
  trigger: "qr" | "link";
  /** Index of the targeting rule that chose the destination; null when none did (and in v1). */
  rule: number | null;
  /** Where the edge placed the visitor, null when it did not say (and in v1). */
  city: string | null;
  region: string | null;
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

/** What v2 adds to a click; a v1 click came through the link, matched no rule and has no place. */
type ClickVia = Pick<ClickRecord, "trigger" | "rule" | "city" | "region">;
const V1_VIA: ClickVia = { trigger: "link", rule: null, city: null, region: null };

/** The v2 columns of each click of the batch, resolved (none for v1: every click is V1_VIA). */
function viaOf(batch: ClicksRecorded): ClickVia[] {
  if (batch.version === 1) return [];
  const { places } = batch.data;
  return batch.data.clicks.map(([, , , , , , , qr, rule, place]) => {
    const [region, city] = place === -1 ? [null, null] : (places[place] ?? [null, null]);
    return { trigger: qr === 1 ? "qr" : "link", rule: rule === -1 ? null : rule, city, region };
  });
}

/** The batch's human clicks, one record each, in the order they were made. */
export function clickRecordsOf(batch: ClicksRecorded): ClickRecord[] {
  const from = Date.parse(batch.data.from);
  const via = viaOf(batch);
  const { links, referrers, agents } = batch.data;
  return batch.data.clicks.map(([link, offset, traceId, country, referrer, agent, visitorHash], i) => {
    const target = links[link];
    if (!target) throw new Error(`ClicksRecorded ${batch.id}: link index ${link} out of range`);
    return {
      eventId: nthEventIdAfter(batch.id, i + 1),
      linkId: target.linkId,
      teamId: target.teamId,
      slug: target.slug,
      occurredAt: new Date(from + offset).toISOString(),
      traceId,
      country,
      referrerHost: referrer === -1 ? null : (referrers[referrer] ?? null),
      userAgent: agent === -1 ? null : (agents[agent] ?? null),
      visitorHash,
      ...(via[i] ?? V1_VIA),
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
