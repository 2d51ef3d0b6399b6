import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { links } from "../../../../db/links";
import type { AppEnv } from "../app-env";
import { configOf } from "../config";
import { ApiError } from "../http/errors";
import { SLUG_PATTERN } from "../links/slug";
import { log } from "../log";
import { errorMessage } from "../outbox/publish";
import { clickEvent } from "./click-event";

export const redirectRoutes = new Hono<AppEnv>();

/**
 * The destination with the short link's own query string passed on. Both query
 * strings are kept byte for byte: re-encoding the destination's query could break
 * signatures or values the target site relies on.
 */
export function destinationWithQuery(destination: string, requestUrl: string): string {
  const incoming = new URL(requestUrl).search.slice(1);
  if (incoming === "") return destination;
  const hashAt = destination.indexOf("#");
  const [head, fragment] = hashAt === -1 ? [destination, ""] : [destination.slice(0, hashAt), destination.slice(hashAt)];
  const separator = !head.includes("?") ? "?" : head.endsWith("?") || head.endsWith("&") ? "" : "&";
  return `${head}${separator}${incoming}${fragment}`;
}

// GET and HEAD (Hono answers HEAD with the GET handler and drops the body).
redirectRoutes.get("/:slug", async (c) => {
  const slug = c.req.param("slug");
  if (!SLUG_PATTERN.test(slug)) throw ApiError.notFound("Link");
  const link = await c
    .get("db")
    .select({ id: links.id, teamId: links.teamId, slug: links.slug, url: links.url, expiresAt: links.expiresAt, deletedAt: links.deletedAt })
    .from(links)
    .where(eq(links.slug, slug))
    .get();
  if (!link) throw ApiError.notFound("Link");
  const now = new Date();
  if (link.deletedAt) throw new ApiError("gone", "This link was deleted.");
  if (link.expiresAt && Date.parse(link.expiresAt) <= now.getTime()) throw new ApiError("gone", "This link has expired.");

  // After the response: the redirect never waits for analytics.
  const request = c.req.raw;
  const traceId = c.get("traceId");
  c.executionCtx.waitUntil(
    clickEvent(request, link, traceId, configOf(c.env).VISITOR_HASH_SECRET, now)
      .then((event) => c.env.LINK_EVENTS.send(event, { contentType: "json" }))
      .catch((error) => log.warn("click event not sent", { traceId, linkId: link.id, error: errorMessage(error) })),
  );
  c.header("cache-control", "private, max-age=0");
  c.header("referrer-policy", "unsafe-url");
  return c.redirect(destinationWithQuery(link.url, c.req.url), 302);
});
