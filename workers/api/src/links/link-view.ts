import type { LinkRow } from "#db/links";
import type { LinkSnapshotV2 } from "#events";
import type { Link } from "./link-schemas";

/**
 * The link as events carry it (no `shortUrl`: consumers know the base). The password hash
 * never leaves the row: events and responses say only `passwordProtected`.
 */
export function linkSnapshot(row: LinkRow): LinkSnapshotV2 {
  return {
    id: row.id,
    slug: row.slug,
    url: row.url,
    title: row.title,
    tags: row.tags,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    passwordProtected: row.passwordHash !== null,
    expiredUrl: row.expiredUrl,
    maxClicks: row.maxClicks,
    rules: row.rules,
    utm: row.utm,
    og: row.og,
  };
}

/** The public Link of API.md. */
export function linkView(row: LinkRow, baseUrl: string): Link {
  return { ...linkSnapshot(row), shortUrl: `${baseUrl}/${row.slug}` };
}
