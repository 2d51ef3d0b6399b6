import { isbot } from "isbot";
import type { LinkEvent } from "../../../../events";
import { configOf } from "../config";
import { hexOf } from "../hex";
import { log } from "../log";
import { newEvent } from "../outbox/new-event";
import { errorMessage } from "../outbox/publish";
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

/**
 * Builds LinkClicked from the request. The IP never leaves this function: only a
 * hash salted with the secret and the UTC day, so unique visitors can be counted
 * per day but not followed across days or reversed into an address.
 */
export async function clickEvent(request: Request, link: ClickedLink, traceId: string, hashSecret: string, now: Date): Promise<LinkEvent> {
  const cf = (request as { cf?: EdgeInfo }).cf;
  const userAgent = request.headers.get("user-agent")?.slice(0, 512) ?? null;
  const ip = request.headers.get("cf-connecting-ip") ?? "";
  const day = now.toISOString().slice(0, 10);
  const country = typeof cf?.country === "string" && /^[A-Z]{2}$/.test(cf.country) ? cf.country : null;
  const method = request.method === "HEAD" ? "HEAD" : "GET";
  const bot = cf?.botManagement?.verifiedBot === true || method === "HEAD" || (userAgent !== null && isbot(userAgent));
  const visitorHash = await visitorHashHex(hashSecret, `${day}|${ip}|${userAgent ?? ""}`);
  return newEvent(
    "LinkClicked",
    1,
    link.id,
    { linkId: link.id, slug: link.slug, method, country, referrerHost: referrerHost(request.headers.get("referer")), userAgent, bot, visitorHash },
    { teamId: link.teamId, traceId, occurredAt: now.toISOString() },
  );
}

/** Sends the click after the response (the redirect never waits for analytics), batched with the isolate's others; a failure is logged, not retried. */
export function sendClickAfterResponse(request: Request, link: ClickedLink, traceId: string, env: ApiEnv, now: Date, waitUntil: (promise: Promise<unknown>) => void): void {
  waitUntil(
    clickEvent(request, link, traceId, configOf(env).VISITOR_HASH_SECRET, now)
      .then((event) => sendClickBatched(env.LINK_EVENTS, event))
      .catch((error) => log.warn("click event not sent", { traceId, linkId: link.id, error: errorMessage(error) })),
  );
}
