import { linkEventSchema, SYSTEM_TEAM_ID, type EventOf } from "#events";
import { sampleEvents } from "#events/samples";
import { newEventId } from "../../../../test/support/event-fixtures";

export interface BatchClick {
  /** Index into the batch's links. */
  link: number;
  visitor: string;
  ms?: number;
  country?: string | null;
  referrer?: string | null;
  agent?: string | null;
  /** v2 only: a QR scan (default: the link), the matched rule's index, the place. */
  qr?: boolean;
  rule?: number | null;
  city?: string | null;
  region?: string | null;
}

export interface BatchSpec {
  from: string;
  links: { linkId: string; teamId: string; slug?: string }[];
  clicks: BatchClick[];
  /** [link index, bot GETs, HEADs] */
  bots?: [number, number, number][];
  /** 1 (the default) as older api isolates sent, or 2 with each click's trigger, rule and place. */
  version?: 1 | 2;
}

/** murmur3's finalizer: spreads every input bit over the output. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A visitor hash with uniform bits, as the api's HMAC makes them (the shared fixture's
 * `visitorHash` repeats its seed, so long seeds alike share their first 64 bits).
 */
export function uniformHash(seed: string): string {
  let h = 0x9747b28c;
  for (let i = 0; i < seed.length; i++) h = mix(h ^ seed.charCodeAt(i)) + i;
  let hex = "";
  for (let part = 1; part <= 4; part++)
    hex += mix(h + part * 0x9e3779b9)
      .toString(16)
      .padStart(8, "0");
  return hex;
}

const traceOf = (i: number) => uniformHash(`trace${i}`);

/**
 * A ClicksRecorded batch (v1 unless the spec says 2) as the api packs it (dictionaries, tuples,
 * bot counts), from the sample with a fresh id, parsed with the real schema.
 */
export function clicksRecorded(spec: BatchSpec): EventOf<"ClicksRecorded"> {
  const version = spec.version ?? 1;
  const sample = structuredClone(sampleEvents["ClicksRecorded.v1"]);
  const agents: string[] = [];
  const referrers: string[] = [];
  const places: string[] = [];
  const indexIn = (dictionary: string[], value: string | null | undefined) => {
    if (value === null || value === undefined) return -1;
    if (!dictionary.includes(value)) dictionary.push(value);
    return dictionary.indexOf(value);
  };
  const placeOf = (c: BatchClick) => (c.city || c.region ? JSON.stringify([c.region ?? null, c.city ?? null]) : null);
  const clicks = spec.clicks.map((c, i) => [
    c.link,
    c.ms ?? 0,
    traceOf(i),
    c.country === undefined ? "DE" : c.country,
    indexIn(referrers, c.referrer),
    indexIn(agents, c.agent),
    uniformHash(c.visitor),
    ...(version === 2 ? [c.qr ? 1 : 0, c.rule ?? -1, indexIn(places, placeOf(c))] : []),
  ]);
  const span = Math.max(0, ...spec.clicks.map((c) => c.ms ?? 0));
  const from = Date.parse(spec.from);
  return linkEventSchema.parse({
    ...sample,
    id: newEventId(),
    version,
    occurredAt: new Date(from + span).toISOString(),
    teamId: new Set(spec.links.map((l) => l.teamId)).size === 1 ? spec.links[0]?.teamId : SYSTEM_TEAM_ID,
    data: {
      from: spec.from,
      to: new Date(from + span).toISOString(),
      links: spec.links.map((l) => ({ linkId: l.linkId, teamId: l.teamId, slug: l.slug ?? "launch" })),
      agents,
      referrers,
      ...(version === 2 ? { places: places.map((place): unknown => JSON.parse(place)) } : {}),
      clicks,
      bots: spec.bots ?? [],
    },
  }) as EventOf<"ClicksRecorded">;
}
