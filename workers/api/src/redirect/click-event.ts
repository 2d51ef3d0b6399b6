import { isbot } from "isbot";
import { MAX_PLACE_NAME, PLACE_NAME } from "#events";
import { clickSettingsOf, type RedirectEnv } from "./redirect-env";
import { toHex } from "../../../shared/crypto";
import { linksDb } from "../db";
import { ClickPacker, sendToClickQueue, type ClickSink, type PackedClick } from "./click-batch";
import { countClickDrops } from "./click-drops";
import { countryHeaderTrusted, requestCountry } from "./rule-visitor";

export interface ClickedLink {
  id: string;
  teamId: string;
  slug: string;
}

interface EdgeInfo {
  city?: unknown;
  region?: unknown;
  botManagement?: { verifiedBot?: unknown };
}

/** A city or region name from the edge, or null: not a string, empty, too long or holding control characters (never cut: a cut name is a wrong place). */
export function placeNameOf(value: unknown): string | null {
  return typeof value === "string" && value.length <= MAX_PLACE_NAME && PLACE_NAME.test(value) ? value : null;
}

function referrerHost(referer: string | null): string | null {
  if (!referer) return null;
  try {
    return new URL(referer).hostname.slice(0, 255) || null;
  } catch {
    return null;
  }
}

const encoder = new TextEncoder();
// Importing the key costs as much as the signature: every click of the isolate reuses it. Only
// resolved keys are kept, so no request ever awaits a promise another request created.
const visitorKeys = new Map<string, CryptoKey>();

/** The first 16 bytes of HMAC-SHA256(secret, message), in hex. */
export async function visitorHashHex(secret: string, message: string): Promise<string> {
  let key = visitorKeys.get(secret);
  if (!key) {
    key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    visitorKeys.set(secret, key);
  }
  return toHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)), 0, 16));
}

/** What a click event needs of its request, read while the request is at hand (plain values only). */
export interface ClickFacts {
  userAgent: string | null;
  ip: string;
  country: string | null;
  /** Where the edge placed the visitor (`request.cf.city`, `request.cf.region`): names, no address. */
  city: string | null;
  region: string | null;
  method: "GET" | "HEAD";
  verifiedBot: boolean;
  referer: string | null;
}

/** `trustCountryHeader`: the local stack's `cf-ipcountry` counts, as for targeting rules (rule-visitor.ts). */
export function clickFacts(request: Request, trustCountryHeader = false): ClickFacts {
  const cf = (request as { cf?: EdgeInfo }).cf;
  return {
    userAgent: request.headers.get("user-agent")?.slice(0, 512) ?? null,
    ip: request.headers.get("cf-connecting-ip") ?? "",
    country: requestCountry(request, trustCountryHeader),
    city: placeNameOf(cf?.city),
    region: placeNameOf(cf?.region),
    method: request.method === "HEAD" ? "HEAD" : "GET",
    verifiedBot: cf?.botManagement?.verifiedBot === true,
    referer: request.headers.get("referer"),
  };
}

/**
 * Who made a request, as the click counts see it: a HEAD, a bot (isbot, a verified bot, a
 * link-preview crawler) or a human. The click cap asks the same question (click-cap.ts), so the
 * cap and the counts never disagree about who is human.
 */
export function clickKindOf(facts: ClickFacts, via: ClickVia): PackedClick["kind"] {
  if (facts.method === "HEAD") return "head";
  return via.crawler || facts.verifiedBot || (facts.userAgent !== null && isbot(facts.userAgent)) ? "bot" : "human";
}

/**
 * The click as its batch carries it. The IP goes no further than this function and the batch's
 * send: only a hash salted with the secret, the UTC day and the team, so unique visitors can be
 * counted per day but not followed across days or teams, or reversed into an address. Bot GETs
 * (isbot, verified bots) and HEADs are only counted: no hash, no agent, no referrer. Every field
 * is bounded as events/ bounds it (clickFacts and referrerHost cut and check them), so the batch
 * skips the schema check newEvent does (tests parse what the packer makes).
 */
export function packedClickOf(
  facts: ClickFacts,
  link: ClickedLink,
  traceId: string,
  settings: ClickSettings,
  now: Date,
  via: ClickVia = LINK_CLICK,
): PackedClick {
  const { userAgent } = facts;
  const day = now.toISOString().slice(0, 10);
  const kind = clickKindOf(facts, via);
  return {
    linkId: link.id,
    teamId: link.teamId,
    slug: link.slug,
    at: now.getTime(),
    kind,
    traceId,
    country: facts.country,
    city: kind === "human" ? facts.city : null,
    region: kind === "human" ? facts.region : null,
    referrerHost: kind === "human" ? referrerHost(facts.referer) : null,
    userAgent: kind === "human" ? userAgent : null,
    trigger: via.trigger,
    rule: via.rule,
    // Keyed by team too: the same person on two teams' links gets two unrelated hashes, so tenants
    // cannot join their click data on it (within a team, counts stay exactly what they were).
    visitorKey: kind === "human" ? `${day}|${link.teamId}|${facts.ip}|${userAgent ?? ""}` : "",
    hashSecret: settings.hashSecret,
    logSampleRate: settings.logSampleRate,
    windowMs: settings.windowMs,
  };
}

/**
 * How the redirect answered, beyond the link: whether the visitor came through the link's QR code
 * (its marked URL), which targeting rule chose the destination, and whether the request was a
 * link-preview crawler (served the Open Graph page, or a 302 when there is no card to show: a bot
 * click either way, whatever isbot says).
 */
export interface ClickVia {
  trigger: "qr" | "link";
  rule: number | null;
  crawler: boolean;
}

/** A plain click of the short link: no QR marker, no rule, not a preview crawler. */
export const LINK_CLICK: ClickVia = { trigger: "link", rule: null, crawler: false };

export interface ClickSettings {
  hashSecret: string;
  logSampleRate: number;
  windowMs: number;
}

const packer = new ClickPacker<Queue>(visitorHashHex, sendToClickQueue);

// One sink per env object (per isolate in production): the redirect path builds nothing per click.
const sinks = new WeakMap<RedirectEnv, ClickSink>();

/** The env's click spool (CLICK_SPOOL) and its links DB's drop counts. */
export function clickSinkOf(env: RedirectEnv): ClickSink {
  let sink = sinks.get(env);
  if (!sink) {
    const db = linksDb(env.LINKS_DB);
    sink = { spool: env.CLICK_SPOOL, countDrop: (drop) => countClickDrops(db, [drop], new Date()) };
    sinks.set(env, sink);
  }
  return sink;
}

/**
 * Packs the click after the response (the redirect never waits for analytics) into the isolate's
 * open ClicksRecorded batch on `click-events`: the request's facts are read now, visitor hashes
 * are made by whichever request sends the batch, within about a second. The batch is spooled to
 * R2 before it is sent, and each is retried a few times; a batch the queue never took is sent by
 * the click reconciler (README "Clicks are telemetry").
 */
export function sendClickAfterResponse(
  request: Request,
  link: ClickedLink,
  traceId: string,
  env: RedirectEnv,
  now: Date,
  waitUntil: (promise: Promise<unknown>) => void,
  via: ClickVia = LINK_CLICK,
): void {
  const config = clickSettingsOf(env);
  const click = packedClickOf(
    clickFacts(request, countryHeaderTrusted(env)),
    link,
    traceId,
    { hashSecret: config.VISITOR_HASH_SECRET, logSampleRate: config.CLICK_LOG_SAMPLE_RATE, windowMs: config.CLICK_BATCH_WINDOW_MS },
    now,
    via,
  );
  const sending = packer.add(env.CLICK_EVENTS, click, clickSinkOf(env));
  if (sending) waitUntil(sending);
}
