import { isbot } from "isbot";
import UAParser from "ua-parser-js";

/** Values of a dimension the click did not carry. */
export const UNKNOWN = "unknown";
/** The referrer "value" of a click without a Referer: typed in, bookmarked, an app. */
export const DIRECT = "direct";

export interface ClickFacts {
  bot: boolean;
  country: string;
  referrer: string;
  device: string;
  browser: string;
  os: string;
  /** `City, Region, CC` (the parts known), or UNKNOWN: a city name alone is ambiguous (Springfield). */
  city: string;
  /** `Region, CC` (or the region alone when the country is unknown), or UNKNOWN. */
  region: string;
  /** The matched targeting rule's index as text, null when none matched (such clicks have no rule row). */
  rule: string | null;
  /** Whether the visitor came through the link's QR code. */
  qr: boolean;
}

interface ParsedAgent {
  device: string;
  browser: string;
  os: string;
}

function parseAgent(userAgent: string): ParsedAgent {
  const { browser, os, device } = new UAParser(userAgent).getResult();
  // ua-parser-js names no device type for desktops; a known OS without one is a desktop.
  const deviceType = device.type ?? (os.name ? "desktop" : UNKNOWN);
  return { device: deviceType, browser: browser.name ?? UNKNOWN, os: os.name ?? UNKNOWN };
}

/** What a click says about itself: a LinkClicked's data, or one record of a ClicksRecorded batch. */
export interface ClickInput {
  userAgent: string | null;
  country: string | null;
  referrerHost: string | null;
  /** The api's verdict; a batch's human clicks carry none (they are humans to the api). */
  bot?: boolean;
  method?: "GET" | "HEAD";
  /** LinkClicked v2 and ClicksRecorded v2; absent from v1, which means the link, no rule. */
  trigger?: "qr" | "link";
  rule?: number | null;
  /** ClicksRecorded v2 only (LinkClicked carries no place). */
  city?: string | null;
  region?: string | null;
}

/** The place keys of a click: the parts known, most specific first, joined by ", ". */
export function placeKeys(city: string | null, region: string | null, country: string | null): { city: string; region: string } {
  const known = (...parts: (string | null)[]) => parts.filter((part): part is string => part !== null).join(", ");
  return { city: city === null ? UNKNOWN : known(city, region, country), region: region === null ? UNKNOWN : known(region, country) };
}

/**
 * Classifies clicks. A batch often repeats the same user agents, so each distinct
 * one is parsed once per classifier (one classifier per batch).
 */
export function clickClassifier(): (data: ClickInput) => ClickFacts {
  const agents = new Map<string, ParsedAgent>();
  return (data) => {
    const ua = data.userAgent;
    // The api already flags bots; isbot here is a second check with this Worker's own
    // (possibly newer) list, and a HEAD is never a person following a link.
    const bot = data.bot === true || data.method === "HEAD" || (ua !== null && isbot(ua));
    let agent: ParsedAgent = { device: UNKNOWN, browser: UNKNOWN, os: UNKNOWN };
    if (ua) {
      agent = agents.get(ua) ?? parseAgent(ua);
      agents.set(ua, agent);
    }
    return {
      bot,
      country: data.country ?? UNKNOWN,
      referrer: data.referrerHost?.toLowerCase() ?? DIRECT,
      ...agent,
      ...placeKeys(data.city ?? null, data.region ?? null, data.country),
      rule: data.rule === undefined || data.rule === null ? null : String(data.rule),
      qr: data.trigger === "qr",
    };
  };
}
