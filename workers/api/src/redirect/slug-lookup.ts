import { eq } from "drizzle-orm";
import { links } from "#db/links";
import type { Database } from "../db";
import { errorMessage, logger } from "../../../shared/log";
import { redirectCache, type CachedLink, type RedirectCache } from "./redirect-cache";
import { syncRedirectCache } from "./slug-sync";

const log = logger("api");

/** Starts the change sync after the response when one is due (at most one at a time per isolate). */
export function startSyncIfDue(cache: RedirectCache, db: () => Database, waitUntil: (promise: Promise<unknown>) => void): void {
  if (!cache.claimSync()) return;
  waitUntil(syncRedirectCache(cache, db()).catch((error) => log.warn("redirect cache sync failed", { error: errorMessage(error) })));
}

/**
 * The link a slug names (null: none), from the isolate's cache when it can vouch for it, else
 * from D1 (then cached). The periodic change sync runs after the response, never before it.
 */
export async function findLinkBySlug(
  db: Database,
  slug: string,
  waitUntil: (promise: Promise<unknown>) => void,
  cache: RedirectCache = redirectCache,
): Promise<CachedLink | null> {
  startSyncIfDue(cache, () => db, waitUntil);
  const cached = cache.get(slug);
  if (cached !== undefined) return cached;
  const generation = cache.generation();
  const link =
    (await db
      .select({ id: links.id, teamId: links.teamId, slug: links.slug, url: links.url, expiresAt: links.expiresAt, deletedAt: links.deletedAt })
      .from(links)
      .where(eq(links.slug, slug))
      .get()) ?? null;
  cache.store(slug, link, generation);
  return link;
}
