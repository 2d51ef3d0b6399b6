import { MAX_BATCH_DICTIONARY, MAX_CLICKS_PER_BATCH, SYSTEM_TEAM_ID, type ClicksRecorded, type HumanClickTuple } from "#events";
import { newTraceId } from "../http/trace-context";
import { errorMessage, logger } from "../../../shared/log";
import { uncheckedEvent } from "../outbox/new-event";
import { isSampledTrace } from "../../../shared/log-sampling";
import { deliverBatch, dropBatch, type ClickSink, type SendBatch } from "./click-delivery";
import type { SpooledCounts } from "./click-spool";
import { INLINE_RETRY_DELAYS_MS } from "./inline-retry";
import { redirectCache } from "./redirect-cache";

const log = logger("api");

export type { ClickSink, SendBatch } from "./click-delivery";

/** The longest a batch stays open: the request that opens it sends it after this (in its waitUntil); var CLICK_BATCH_WINDOW_MS. */
export const DEFAULT_CLICK_BATCH_WINDOW_MS = 1_000;
/**
 * Estimated JSON size at which a batch is sealed (a queue message holds 128 KB). The estimate is
 * an upper bound: a click tuple is at most 95 characters, a dictionary entry its JSON and a comma.
 */
export const CLICK_BATCH_MAX_BYTES = 100_000;
/** Clicks further apart than this never share a batch (events/ allows 60 s; the window is 1 s). */
const MAX_SPREAD_MS = 50_000;
const ENVELOPE_BYTES = 400;
/** `[999,50000,"<32 hex>","XX",999,999,"<32 hex>"],` is 96 characters: 1,000 clicks fit in 100 KB. */
const CLICK_BYTES = 96;
/** `{"linkId":"lnk_<26>","teamId":"team_<26>","slug":},` is 97 characters, plus the slug's JSON. */
const LINK_BYTES = 100;
/** `[999,<bots>,<heads>],` with counts below a million. */
const BOT_COUNT_BYTES = 24;

const utf8 = new TextEncoder();
const jsonBytes = (value: string) => utf8.encode(JSON.stringify(value)).length + 1;

function entry(dictionary: Dictionary, value: string | null): number {
  if (value === null) return -1;
  const known = dictionary.indexOf(value);
  return known !== -1 ? known : dictionary.add(value);
}

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

type VisitorHash = (secret: string, message: string) => Promise<string>;

class Dictionary {
  readonly list: string[] = [];
  readonly #index = new Map<string, number>();
  indexOf(value: string | null): number {
    return value === null ? -1 : (this.#index.get(value) ?? -1);
  }
  add(value: string): number {
    const i = this.list.push(value) - 1;
    this.#index.set(value, i);
    return i;
  }
}

interface PendingHuman {
  link: number;
  at: number;
  click: PackedClick;
  referrer: number;
  agent: number;
}

/** One isolate's open batch: dictionaries, human clicks to hash, bot and HEAD counts per link. */
class OpenBatch {
  readonly links: { linkId: string; teamId: string; slug: string }[] = [];
  readonly #linkIndex = new Map<string, number>();
  readonly agents = new Dictionary();
  readonly referrers = new Dictionary();
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
    const full = (size: number) => size >= MAX_BATCH_DICTIONARY;
    if (!this.#linkIndex.has(click.linkId) && full(this.links.length)) return false;
    if (click.kind === "human") {
      if (click.userAgent !== null && this.agents.indexOf(click.userAgent) === -1 && full(this.agents.list.length)) return false;
      if (click.referrerHost !== null && this.referrers.indexOf(click.referrerHost) === -1 && full(this.referrers.list.length)) return false;
    }
    return this.bytes + this.#cost(click) <= CLICK_BATCH_MAX_BYTES;
  }

  /** The most bytes the click adds to the batch's JSON (UTF-8): its tuple or count, and its new dictionary entries. */
  #cost(click: PackedClick): number {
    const link = this.#linkIndex.get(click.linkId);
    let bytes = link === undefined ? LINK_BYTES + jsonBytes(click.slug) : 0;
    if (click.kind !== "human") return bytes + (link !== undefined && this.bots.has(link) ? 0 : BOT_COUNT_BYTES);
    bytes += CLICK_BYTES;
    if (click.userAgent !== null && this.agents.indexOf(click.userAgent) === -1) bytes += jsonBytes(click.userAgent);
    if (click.referrerHost !== null && this.referrers.indexOf(click.referrerHost) === -1) bytes += jsonBytes(click.referrerHost);
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
    this.humans.push({ link, at: click.at, click, referrer: entry(this.referrers, click.referrerHost), agent: entry(this.agents, click.userAgent) });
  }

  /** Sealed at once when another click could not fit: the click cap, or within a click of the size cap. */
  get full(): boolean {
    return this.humans.length >= MAX_CLICKS_PER_BATCH || this.bytes + CLICK_BYTES + LINK_BYTES > CLICK_BATCH_MAX_BYTES;
  }

  /** The envelope, visitor hashes made now (HMAC per human click; bots and HEADs cost none). */
  async envelope(visitorHash: VisitorHash): Promise<ClicksRecorded> {
    const hashes = await Promise.all(this.humans.map((h) => visitorHash(h.click.hashSecret, h.click.visitorKey)));
    const clicks = this.humans.map((h, i): HumanClickTuple => [
      h.link,
      h.at - this.min,
      h.click.traceId,
      h.click.country,
      h.referrer,
      h.agent,
      hashes[i] ?? "",
    ]);
    const teams = new Set(this.links.map((l) => l.teamId));
    const [onlyTeam] = teams;
    return uncheckedEvent(
      "ClicksRecorded",
      1,
      "clicks",
      {
        from: new Date(this.min).toISOString(),
        to: new Date(this.max).toISOString(),
        links: this.links,
        agents: this.agents.list,
        referrers: this.referrers.list,
        clicks,
        bots: [...this.bots].map(([link, [bots, heads]]) => [link, bots, heads]),
      },
      { teamId: teams.size === 1 && onlyTeam ? onlyTeam : SYSTEM_TEAM_ID, traceId: newTraceId(), occurredAt: new Date(this.max).toISOString() },
    );
  }
}

/** Sends a batch to a queue binding (one message, well under the 128 KB limit). */
export const sendToClickQueue: SendBatch<Queue> = async (queue, batch) => {
  await queue.send(batch, { contentType: "json" });
};

/**
 * Packs an isolate's clicks into ClicksRecorded batches, one open batch per key (the api keys by
 * queue binding: tests hand the Worker other queues than env's own). The IsolateBatcher rules
 * (isolate-batch.ts): the request that opens a batch sends it when the window closes; one that
 * fills it (clicks, bytes) sends it at once; one whose click cannot join (another UTC day, too far
 * apart, dictionaries full) seals it and opens the next; every other request only adds its click
 * and has nothing to keep alive. A sealed batch is put to the sink's spool, then sent
 * (click-delivery.ts): a send that fails leaves it to the click reconciler.
 */
export class ClickPacker<K> {
  readonly #open = new Map<K, OpenBatch>();

  constructor(
    private readonly visitorHash: VisitorHash,
    private readonly sendBatch: SendBatch<K>,
    /** Waits between the inline tries of the spool put and of the send (tests shorten them). */
    private readonly retryDelaysMs: readonly number[] = INLINE_RETRY_DELAYS_MS,
  ) {}

  /**
   * The send this request must keep alive (hand it to waitUntil), or null when another request
   * sends its click. `sink` is used when this click opens a batch.
   */
  add(key: K, click: PackedClick, sink: ClickSink): Promise<void> | null {
    const open = this.#open.get(key);
    if (open?.takes(click)) {
      open.add(click);
      if (!open.full) return null;
      this.#open.delete(key);
      return this.#send(key, open);
    }
    const sealed = open ? this.#send(key, open) : null;
    const batch = new OpenBatch(click, sink);
    batch.add(click);
    this.#open.set(key, batch);
    const due = this.#sendWhenDue(key, batch, click.windowMs);
    return sealed ? Promise.all([sealed, due]).then(() => undefined) : due;
  }

  async #sendWhenDue(key: K, batch: OpenBatch, windowMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    // Already sent by the request that filled or sealed it.
    if (this.#open.get(key) !== batch) return;
    this.#open.delete(key);
    await this.#send(key, batch);
  }

  async #send(key: K, open: OpenBatch): Promise<void> {
    const counts: SpooledCounts = { day: open.day, clicks: open.humans.length, bots: 0, heads: 0, links: open.links.length };
    for (const [b, h] of open.bots.values()) {
      counts.bots += b;
      counts.heads += h;
    }
    let batch: ClicksRecorded;
    try {
      batch = await open.envelope(this.visitorHash);
    } catch (error) {
      // No envelope, nothing to spool or send: the clicks are lost, and counted.
      await dropBatch(null, counts, open.sink, { traceIds: open.humans.slice(0, 10).map((h) => h.click.traceId), error: errorMessage(error) });
      return;
    }
    const delivery = await deliverBatch(key, batch, counts, open.sink, this.sendBatch, this.retryDelaysMs);
    if (delivery.outcome === "dropped") return;
    // The line also carries (and restarts) the isolate's slug lookups by source since the last one:
    // about one line per isolate-second while it redirects, so primary queries per redirect are readable in the logs.
    if (delivery.outcome !== "spooled")
      log.info("clicks sent", {
        eventId: batch.id,
        traceId: batch.traceId,
        ...counts,
        bytes: open.bytes,
        ...delivery,
        lookups: redirectCache.takeLookupCounts(),
      });
    logSampledClicks(batch, open);
  }
}

function logSampledClicks(batch: ClicksRecorded, open: OpenBatch): void {
  for (const { click } of open.humans) {
    if (!isSampledTrace(click.traceId, click.logSampleRate)) continue;
    log.info("click sampled", {
      eventId: batch.id,
      traceId: click.traceId,
      linkId: click.linkId,
      teamId: click.teamId,
      country: click.country,
      referrerHost: click.referrerHost,
      userAgent: click.userAgent,
    });
  }
}
