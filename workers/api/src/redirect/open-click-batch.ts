import { MAX_BATCH_DICTIONARY, MAX_CLICKS_PER_BATCH, SYSTEM_TEAM_ID, type ClicksRecordedV2, type HumanClickV2Tuple } from "#events";
import { newTraceId } from "../http/trace-context";
import { uncheckedEvent } from "../outbox/new-event";
import type { ClickSink } from "./click-delivery";

/**
 * Estimated JSON size at which a batch is sealed (a queue message holds 128 KB). The estimate is
 * an upper bound: a click tuple is at most CLICK_BYTES characters, a dictionary entry its JSON and
 * a comma. 118 KB leaves 10 KB under the limit and room for 1,000 clicks (105 KB) plus ~12 KB of
 * links, agents, referrers and places.
 */
export const CLICK_BATCH_MAX_BYTES = 118_000;
/** Clicks further apart than this never share a batch (events/ allows 60 s; the window is 1 s). */
const MAX_SPREAD_MS = 50_000;
const ENVELOPE_BYTES = 400;
/** `[999,50000,"<32 hex>","XX",999,999,"<32 hex>",1,19,999],` is 105 characters: 1,000 clicks are 105 KB. */
const CLICK_BYTES = 105;
/** `{"linkId":"lnk_<26>","teamId":"team_<26>","slug":},` is 97 characters, plus the slug's JSON. */
const LINK_BYTES = 100;
/** `[999,<bots>,<heads>],` with counts below a million. */
const BOT_COUNT_BYTES = 24;

const utf8 = new TextEncoder();
const jsonBytes = (value: unknown) => utf8.encode(JSON.stringify(value)).length + 1;

/** A click as read from its request (plain values); its visitor hash is made when its batch is sent. */
export interface PackedClick {
  linkId: string;
  teamId: string;
  slug: string;
  at: number;
  /** Bot GETs and HEADs are counted per link, never carried one by one. */
  kind: "human" | "bot" | "head";
  traceId: string;
  country: string | null;
  /** Where the edge placed a human visitor (null for bots and HEADs, which carry no place). */
  city: string | null;
  region: string | null;
  referrerHost: string | null;
  userAgent: string | null;
  /** How the visitor arrived (a QR code's marked URL or the link itself) and which targeting rule matched (index, or null). */
  trigger: "qr" | "link";
  rule: number | null;
  /** What the visitor hash is an HMAC of, with the secret below. */
  visitorKey: string;
  hashSecret: string;
  /** Share of clicks whose detail is logged (their trace ids decide: the same clicks everywhere). */
  logSampleRate: number;
  /** How long a batch this click opens stays open (CLICK_BATCH_WINDOW_MS). */
  windowMs: number;
}

export type VisitorHash = (secret: string, message: string) => Promise<string>;

/** Distinct values in the order first seen, each with its index: a batch's dictionary. */
class Dictionary<T> {
  readonly list: T[] = [];
  readonly #index = new Map<string, number>();
  constructor(private readonly keyOf: (value: T) => string) {}
  has(value: T): boolean {
    return this.#index.has(this.keyOf(value));
  }
  get full(): boolean {
    return this.list.length >= MAX_BATCH_DICTIONARY;
  }
  /** The value's index, added when new; -1 for null (no such value). */
  entry(value: T | null): number {
    if (value === null) return -1;
    const key = this.keyOf(value);
    const known = this.#index.get(key);
    if (known !== undefined) return known;
    const i = this.list.push(value) - 1;
    this.#index.set(key, i);
    return i;
  }
}

type Place = [region: string | null, city: string | null];
const placeOf = (click: PackedClick): Place | null => (click.region === null && click.city === null ? null : [click.region, click.city]);
const text = (value: string) => value;

interface PendingHuman {
  link: number;
  at: number;
  click: PackedClick;
  referrer: number;
  agent: number;
  place: number;
}

/** One isolate's open batch: dictionaries, human clicks to hash, bot and HEAD counts per link. */
export class OpenBatch {
  readonly links: { linkId: string; teamId: string; slug: string }[] = [];
  readonly #linkIndex = new Map<string, number>();
  readonly agents = new Dictionary<string>(text);
  readonly referrers = new Dictionary<string>(text);
  readonly places = new Dictionary<Place>((place) => JSON.stringify(place));
  readonly humans: PendingHuman[] = [];
  readonly bots = new Map<number, [number, number]>();
  bytes = ENVELOPE_BYTES;
  min: number;
  max: number;
  readonly day: string;

  /** The sink of the request that opened the batch: whichever request seals it, the batch goes there. */
  constructor(
    first: PackedClick,
    readonly sink: ClickSink,
  ) {
    this.min = first.at;
    this.max = first.at;
    this.day = new Date(first.at).toISOString().slice(0, 10);
  }

  /** Whether the click can join without breaking a rule of events/ (one UTC day, span, dictionaries) or the size cap. */
  takes(click: PackedClick): boolean {
    if (new Date(click.at).toISOString().slice(0, 10) !== this.day) return false;
    if (Math.max(this.max, click.at) - Math.min(this.min, click.at) > MAX_SPREAD_MS) return false;
    if (!this.#linkIndex.has(click.linkId) && this.links.length >= MAX_BATCH_DICTIONARY) return false;
    if (click.kind === "human") {
      const place = placeOf(click);
      if (click.userAgent !== null && !this.agents.has(click.userAgent) && this.agents.full) return false;
      if (click.referrerHost !== null && !this.referrers.has(click.referrerHost) && this.referrers.full) return false;
      if (place !== null && !this.places.has(place) && this.places.full) return false;
    }
    return this.bytes + this.#cost(click) <= CLICK_BATCH_MAX_BYTES;
  }

  /** The most bytes the click adds to the batch's JSON (UTF-8): its tuple or count, and its new dictionary entries. */
  #cost(click: PackedClick): number {
    const link = this.#linkIndex.get(click.linkId);
    let bytes = link === undefined ? LINK_BYTES + jsonBytes(click.slug) : 0;
    if (click.kind !== "human") return bytes + (link !== undefined && this.bots.has(link) ? 0 : BOT_COUNT_BYTES);
    bytes += CLICK_BYTES;
    const place = placeOf(click);
    if (click.userAgent !== null && !this.agents.has(click.userAgent)) bytes += jsonBytes(click.userAgent);
    if (click.referrerHost !== null && !this.referrers.has(click.referrerHost)) bytes += jsonBytes(click.referrerHost);
    if (place !== null && !this.places.has(place)) bytes += jsonBytes(place);
    return bytes;
  }

  add(click: PackedClick): void {
    this.bytes += this.#cost(click);
    this.min = Math.min(this.min, click.at);
    this.max = Math.max(this.max, click.at);
    let link = this.#linkIndex.get(click.linkId);
    if (link === undefined) {
      link = this.links.push({ linkId: click.linkId, teamId: click.teamId, slug: click.slug }) - 1;
      this.#linkIndex.set(click.linkId, link);
    }
    if (click.kind !== "human") {
      const counts = this.bots.get(link) ?? [0, 0];
      counts[click.kind === "bot" ? 0 : 1] += 1;
      this.bots.set(link, counts);
      return;
    }
    this.humans.push({
      link,
      at: click.at,
      click,
      referrer: this.referrers.entry(click.referrerHost),
      agent: this.agents.entry(click.userAgent),
      place: this.places.entry(placeOf(click)),
    });
  }

  /** Sealed at once when another click could not fit: the click cap, or within a click of the size cap. */
  get full(): boolean {
    return this.humans.length >= MAX_CLICKS_PER_BATCH || this.bytes + CLICK_BYTES + LINK_BYTES > CLICK_BATCH_MAX_BYTES;
  }

  /** The envelope (v2), visitor hashes made now (HMAC per human click; bots and HEADs cost none). */
  async envelope(visitorHash: VisitorHash): Promise<ClicksRecordedV2> {
    const hashes = await Promise.all(this.humans.map((h) => visitorHash(h.click.hashSecret, h.click.visitorKey)));
    const clicks = this.humans.map((h, i): HumanClickV2Tuple => [
      h.link,
      h.at - this.min,
      h.click.traceId,
      h.click.country,
      h.referrer,
      h.agent,
      hashes[i] ?? "",
      h.click.trigger === "qr" ? 1 : 0,
      h.click.rule ?? -1,
      h.place,
    ]);
    const teams = new Set(this.links.map((l) => l.teamId));
    const [onlyTeam] = teams;
    const batch = uncheckedEvent(
      "ClicksRecorded",
      2,
      "clicks",
      {
        from: new Date(this.min).toISOString(),
        to: new Date(this.max).toISOString(),
        links: this.links,
        agents: this.agents.list,
        referrers: this.referrers.list,
        places: this.places.list,
        clicks,
        bots: [...this.bots].map(([link, [bots, heads]]) => [link, bots, heads]),
      },
      { teamId: teams.size === 1 && onlyTeam ? onlyTeam : SYSTEM_TEAM_ID, traceId: newTraceId(), occurredAt: new Date(this.max).toISOString() },
    );
    return batch as ClicksRecordedV2;
  }
}
