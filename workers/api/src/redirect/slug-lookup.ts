import { eq, sql } from "drizzle-orm";
import { links } from "#db/links";
import { linksDb, type Database } from "../db";
import { logger } from "../../../shared/log";
import { readModelLink, kvRedirectStore, type RedirectStore } from "./read-model";
import { redirectCache, type CachedLink, type RedirectCache } from "./redirect-cache";
import { redirectLinkColumns } from "./link-columns";

const log = logger("api");

/**
 * A link the primary has and the read model still lacks after this long is a projection problem,
 * not propagation: it is logged (the reconciler re-sends what the projection never finished).
 */
const READ_MODEL_LAG_WARNING_MS = 120_000;

/** Where a redirect looks a slug up: the read model, and the links database's primary behind it. */
export interface RedirectSources {
  store: RedirectStore;
  primary: () => Database;
}

export function redirectSources(env: { REDIRECTS: KVNamespace; LINKS_DB: D1Database }): RedirectSources {
  // The plain binding, no D1 session: it is the primary, which has every committed link.
  return { store: kvRedirectStore(env.REDIRECTS), primary: () => linksDb(env.LINKS_DB) };
}

/**
 * The link a slug names (null: none): the isolate's cache, else the KV read model, else, only when
 * the read model names no link for it, the primary (so a link answers 302 from anywhere the moment
 * its 201 is sent), within the isolate's budget of such lookups. Whatever is found is cached.
 */
export async function findLinkBySlug(sources: RedirectSources, slug: string, cache: RedirectCache = redirectCache): Promise<CachedLink | null> {
  const cached = cache.get(slug);
  cache.countLookup(cached === undefined ? "kv" : "cache");
  if (cached !== undefined) return cached;
  const link = (await readModelLink(sources.store, slug)) ?? (cache.takePrimaryLookup() ? await primaryLink(sources.primary(), slug, cache.now()) : null);
  cache.store(slug, link);
  return link;
}

async function primaryLink(db: Database, slug: string, now: number): Promise<CachedLink | null> {
  const row = await db
    .select({
      ...redirectLinkColumns,
      // Only whether a password is set: the hash stays in the database (password-link.ts reads it for a post).
      passwordProtected: sql<boolean>`${links.passwordHash} is not null`.mapWith(Boolean),
      updatedAt: links.updatedAt,
    })
    .from(links)
    .where(eq(links.slug, slug))
    .get();
  if (!row) return null;
  const { updatedAt, ...link } = row;
  const behindMs = now - Date.parse(updatedAt);
  if (behindMs > READ_MODEL_LAG_WARNING_MS) log.warn("redirect read model lacks a link", { slug, linkId: link.id, behindSeconds: Math.round(behindMs / 1000) });
  return link;
}
