import type { LinkRow } from "#db/links";
import type { LinkSnapshot } from "#events";
import type { Link } from "./link-schemas";

/** The link as events carry it (no `shortUrl`: consumers know the base). */
export function linkSnapshot(row: LinkRow): LinkSnapshot {
  return {
    id: row.id,
    slug: row.slug,
    url: row.url,
    title: row.title,
    tags: row.tags,
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The public Link of API.md. */
export function linkView(row: LinkRow, baseUrl: string): Link {
  return { ...linkSnapshot(row), shortUrl: `${baseUrl}/${row.slug}` };
}
