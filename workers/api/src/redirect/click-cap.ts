import type { Context } from "hono";
import { ApiError } from "../http/errors";
import { errorMessage, logger } from "../../../shared/log";
import { clickFacts, clickKindOf, type ClickVia } from "./click-event";
import type { CachedLink } from "./redirect-cache";
import type { RedirectAppEnv, RedirectEnv } from "./redirect-env";
import { redirectTo } from "./redirect-routes";
import { TtlLru } from "./ttl-lru";

const log = logger("api");

/**
 * A capped link's standing for one request (README "Link controls"): `open` (answer as usual),
 * `used-up` (the cap is reached: expiredUrl or 410), `unavailable` (the count could not be taken:
 * 503, the click is not let through).
 */
export type CapVerdict = "open" | "used-up" | "unavailable";

/**
 * How long an isolate remembers that a link was used up at a cap: its later requests (humans,
 * bots, HEAD) are answered used-up without the object. The count never goes down, so a refusal
 * at a cap stays true for that cap and every lower one; a PATCH raising `maxClicks` is asked anew.
 */
export const REFUSAL_MEMORY_MS = 60_000;
const REFUSALS_KEPT = 10_000;

/** Per isolate: link id → the highest cap the link was refused at. */
const refusals = new TtlLru<number>(REFUSALS_KEPT);

/** Whether this request uses the cap up: a human click, by the click counts' own rule (clickKindOf). */
export function usesClickCap(request: Request, via: ClickVia): boolean {
  return clickKindOf(clickFacts(request), via) === "human";
}

/**
 * Passes a request through the link's click cap. A link without `maxClicks` never calls the
 * object. A request that uses the cap (`take`) is counted exactly, or refused; one that does not
 * (`peek`: bots, HEAD, the password form) only learns whether the link is used up.
 * Failures: a take that fails is `unavailable` (fail-closed: no click goes through uncounted, so
 * the cap is never overshot); a peek that fails is `open` (it counts nothing either way).
 */
export async function passClickCap(env: Pick<RedirectEnv, "LINK_CLICK_CAP">, link: CachedLink, take: boolean, nowMs: number): Promise<CapVerdict> {
  const max = link.maxClicks ?? null;
  if (max === null) return "open";
  const refusedAt = refusals.get(link.id, nowMs);
  if (refusedAt !== undefined && max <= refusedAt) return "used-up";
  const cap = env.LINK_CLICK_CAP.get(env.LINK_CLICK_CAP.idFromName(link.id));
  let allowed: boolean;
  try {
    ({ allowed } = take ? await cap.take(max) : await cap.peek(max));
  } catch (error) {
    const fields = { linkId: link.id, max, error: errorMessage(error) };
    if (take) log.error("click cap unavailable: click refused", fields);
    else log.warn("click cap unavailable: answered open", fields);
    return take ? "unavailable" : "open";
  }
  if (allowed) return "open";
  refusals.set(link.id, Math.max(max, refusedAt ?? 0), nowMs + REFUSAL_MEMORY_MS);
  return "used-up";
}

/** For tests: forget every remembered refusal. */
export function forgetClickCapRefusals(): void {
  refusals.clear();
}

export const CLICK_LIMIT_MESSAGE = "This link reached its click limit.";
/** Seconds a refused click waits before retrying when the cap's object failed. */
export const CAP_UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/**
 * The answer to a request the cap did not let through: a used-up link sends people to its
 * `expiredUrl` (302, no click counted) or answers 410; an unavailable count answers 503.
 */
export function capRefusal(c: Context<RedirectAppEnv>, link: CachedLink, verdict: Exclude<CapVerdict, "open">): Response {
  if (verdict === "unavailable") {
    throw new ApiError("unavailable", "This link's click count cannot be checked right now; retry in a moment.", undefined, {
      "retry-after": String(CAP_UNAVAILABLE_RETRY_AFTER_SECONDS),
    });
  }
  if (!link.expiredUrl) throw new ApiError("gone", CLICK_LIMIT_MESSAGE);
  return redirectTo(c, link.expiredUrl);
}

/**
 * The cap's answer when it does not let this request through (null: answer as usual). Only a
 * link with `maxClicks` reaches the object; a human click takes a use, every other request peeks.
 */
export async function capRefusalFor(c: Context<RedirectAppEnv>, link: CachedLink, via: ClickVia, now: Date): Promise<Response | null> {
  if ((link.maxClicks ?? null) === null) return null;
  const verdict = await passClickCap(c.env, link, usesClickCap(c.req.raw, via), now.getTime());
  return verdict === "open" ? null : capRefusal(c, link, verdict);
}
