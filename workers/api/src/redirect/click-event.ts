import { isbot } from "isbot";
import type { LinkEvent } from "../../../../events";
import { hmacSha256Hex } from "../../../shared/crypto";
import { newEvent } from "../outbox/new-event";

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
  const visitorHash = (await hmacSha256Hex(hashSecret, `${day}|${ip}|${userAgent ?? ""}`)).slice(0, 32);
  return newEvent(
    "LinkClicked",
    1,
    link.id,
    { linkId: link.id, slug: link.slug, method, country, referrerHost: referrerHost(request.headers.get("referer")), userAgent, bot, visitorHash },
    { teamId: link.teamId, traceId, occurredAt: now.toISOString() },
  );
}
