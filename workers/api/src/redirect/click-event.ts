import { isbot } from "isbot";
import type { EventOf } from "../../../../events";
import { configOf } from "../config";
import { hexOf } from "../hex";
import { uncheckedEvent } from "../outbox/new-event";
import { sendClickBatched } from "./click-batch";

export interface ClickedLink {
  id: string;
  teamId: string;
  slug: string;
}

interface EdgeInfo {
  country?: unknown;
  botManagement?: { verifiedBot?: unknown };
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
async function visitorHashHex(secret: string, message: string): Promise<string> {
  let key = visitorKeys.get(secret);
  if (!key) {
    key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    visitorKeys.set(secret, key);
  }
  return hexOf(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)), 0, 16));
}

/** What a click event needs of its request, read while the request is at hand (plain values only). */
export interface ClickFacts {
  userAgent: string | null;
  ip: string;
  country: string | null;
  method: "GET" | "HEAD";
  verifiedBot: boolean;
  referer: string | null;
}

export function clickFacts(request: Request): ClickFacts {
  const cf = (request as { cf?: EdgeInfo }).cf;
  return {
    userAgent: request.headers.get("user-agent")?.slice(0, 512) ?? null,
    ip: request.headers.get("cf-connecting-ip") ?? "",
    country: typeof cf?.country === "string" && /^[A-Z]{2}$/.test(cf.country) ? cf.country : null,
    method: request.method === "HEAD" ? "HEAD" : "GET",
    verifiedBot: cf?.botManagement?.verifiedBot === true,
    referer: request.headers.get("referer"),
  };
}

/**
 * Builds LinkClicked. The IP goes no further than this function: only a hash salted with the
 * secret, the UTC day and the team, so unique visitors can be counted per day but not followed
 * across days or teams, or reversed into an address. Every field is bounded as events/ bounds it (clickFacts and
 * referrerHost cut and check them), so the envelope skips the schema check newEvent does: on a
 * redirect it cost more than the rest of the event (tests parse what this makes).
 */
export async function clickEventOf(facts: ClickFacts, link: ClickedLink, traceId: string, hashSecret: string, now: Date): Promise<EventOf<"LinkClicked">> {
  const { userAgent, method } = facts;
  const day = now.toISOString().slice(0, 10);
  const bot = facts.verifiedBot || method === "HEAD" || (userAgent !== null && isbot(userAgent));
  // Keyed by team too: the same person on two teams' links gets two unrelated hashes, so tenants
  // cannot join their click data on it (within a team, counts stay exactly what they were).
  const visitorHash = await visitorHashHex(hashSecret, `${day}|${link.teamId}|${facts.ip}|${userAgent ?? ""}`);
  return uncheckedEvent(
    "LinkClicked",
    1,
    link.id,
    { linkId: link.id, slug: link.slug, method, country: facts.country, referrerHost: referrerHost(facts.referer), userAgent, bot, visitorHash },
    { teamId: link.teamId, traceId, occurredAt: now.toISOString() },
  );
}

/**
 * Sends the click after the response (the redirect never waits for analytics), batched with the
 * isolate's others: the request's facts are read now, the event is made (IP hashed) by whichever
 * request sends the batch, within milliseconds. A failure is logged, not retried.
 */
export function sendClickAfterResponse(request: Request, link: ClickedLink, traceId: string, env: ApiEnv, now: Date, waitUntil: (promise: Promise<unknown>) => void): void {
  const facts = clickFacts(request);
  const secret = configOf(env).VISITOR_HASH_SECRET;
  const sending = sendClickBatched(env.LINK_EVENTS, { traceId, linkId: link.id, build: () => clickEventOf(facts, link, traceId, secret, now) });
  if (sending) waitUntil(sending);
}
