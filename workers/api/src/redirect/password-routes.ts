import type { Context } from "hono";
import { ApiError } from "../http/errors";
import { linksDb } from "../db";
import { verifyLinkPassword } from "../links/link-password";
import { SLUG_PATTERN } from "../links/slug";
import { RATE_LIMIT_RULES, secondsUntilReset } from "../limits/rate-limit";
import { capRefusalFor, passClickCap, capRefusal } from "./click-cap";
import { sendClickAfterResponse } from "./click-event";
import { destinationFor } from "./destination";
import { hasPasswordLength, readPasswordForm } from "./password-form-body";
import { guessKey } from "./password-guess-key";
import { primaryPasswordLink } from "./password-link";
import { PASSWORD_ERRORS, passwordPage } from "./password-page";
import { redirectCache, type CachedLink } from "./redirect-cache";
import type { RedirectAppEnv } from "./redirect-env";
import { goneAnswer, redirectTo } from "./redirect-routes";
import { findLinkBySlug, redirectSources } from "./slug-lookup";

/**
 * GET or HEAD of a live protected link: the password form (200, no click). A capped link that is
 * used up says so instead (asked without taking a use): nobody types a password for nothing.
 */
export async function answerPasswordForm(c: Context<RedirectAppEnv>, link: CachedLink, nowMs: number): Promise<Response> {
  const verdict = await passClickCap(c.env, link, false, nowMs);
  if (verdict !== "open") return capRefusal(c, link, verdict);
  return passwordPage(c, link.slug, 200);
}

/**
 * POST /:slug, the password form's post (README "Link controls"). In order, each refusal
 * changing nothing: 404 (no such link), 405 (a link without a password), the link's expiry,
 * 415/413/400 (the form), 429 (the guesses' limit, before a hash is read or computed), 401 (a
 * wrong password, the form again). The right one answers as GET of an open link does: the
 * expiry, expiredUrl and the click cap apply, then 302 to the destination with the click counted.
 */
export async function answerPasswordPost(c: Context<RedirectAppEnv>): Promise<Response> {
  const slug = c.req.param("slug") ?? "";
  if (!SLUG_PATTERN.test(slug)) throw ApiError.notFound("Link");
  const seen = await findLinkBySlug(redirectSources(c.env), slug);
  if (!seen) throw ApiError.notFound("Link");
  if (!seen.passwordProtected) {
    throw new ApiError("method_not_allowed", "This link has no password: open it with GET.", undefined, { allow: "GET, HEAD" });
  }
  const gone = goneAnswer(c, seen, redirectCache.now());
  if (gone) return gone;
  const guess = await readPasswordForm(c.req.raw);

  // Counted before the hash is read or PBKDF2 runs: an over-budget guess costs neither D1 nor CPU.
  const { success } = await c.env.RL_GUESSES.limit({ key: guessKey(seen.id, c.req.raw) });
  if (!success) {
    const retryAfter = secondsUntilReset(RATE_LIMIT_RULES.RL_GUESSES.periodSeconds, Date.now());
    c.header("retry-after", String(retryAfter));
    return passwordPage(c, slug, 429, PASSWORD_ERRORS.tooMany(retryAfter));
  }
  if (!hasPasswordLength(guess)) return passwordPage(c, slug, 401, PASSWORD_ERRORS.wrong);

  const current = await primaryPasswordLink(linksDb(c.env.LINKS_DB), seen.id);
  // The link left this slug since the read model saw it: the slug no longer names it.
  if (!current || current.link.slug !== slug) throw ApiError.notFound("Link");
  // A hash of null: the password was removed since; the link is open, and the post goes through.
  if (current.passwordHash !== null && !(await verifyLinkPassword(current.passwordHash, guess))) {
    return passwordPage(c, slug, 401, PASSWORD_ERRORS.wrong);
  }

  const link = current.link;
  const now = new Date(redirectCache.now());
  const goneNow = goneAnswer(c, link, now.getTime());
  if (goneNow) return goneNow;
  const destination = destinationFor(link, c.req.raw, c.env);
  const refused = await capRefusalFor(c, link, destination.via, now);
  if (refused) return refused;
  sendClickAfterResponse(c.req.raw, link, c.get("traceId"), c.env, now, (p) => c.executionCtx.waitUntil(p), destination.via);
  return redirectTo(c, destination.location);
}
