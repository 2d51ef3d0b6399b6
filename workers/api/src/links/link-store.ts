import { and, desc, eq, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import { links, type LinkRow } from "#db/links";
import type { Database } from "../db";

export async function findLiveLink(db: Database, teamId: string, id: string): Promise<LinkRow | undefined> {
  return db
    .select()
    .from(links)
    .where(and(eq(links.id, id), eq(links.teamId, teamId), isNull(links.deletedAt)))
    .get();
}

export async function slugsTaken(db: Database, slugs: string[]): Promise<Set<string>> {
  if (slugs.length === 0) return new Set();
  const rows = await db
    .select({ slug: links.slug })
    .from(links)
    .where(sql`${links.slug} IN (SELECT value FROM json_each(${JSON.stringify(slugs)}))`)
    .all();
  return new Set(rows.map((r) => r.slug));
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

export interface ListLinksOptions {
  limit: number;
  afterId?: string;
  tag?: string;
  q?: string;
}

/** Newest first (drizzle's `like` cannot set ESCAPE, hence raw LIKE), keyset-paginated on the (team_id, id) index. Fetches one extra row to know if there is more. */
export async function listLiveLinks(db: Database, teamId: string, options: ListLinksOptions): Promise<LinkRow[]> {
  const conditions: SQL[] = [eq(links.teamId, teamId), isNull(links.deletedAt)];
  if (options.afterId) conditions.push(lt(links.id, options.afterId));
  if (options.tag) conditions.push(sql`EXISTS (SELECT 1 FROM json_each(${links.tags}) WHERE value = ${options.tag})`);
  if (options.q) {
    const pattern = `%${escapeLike(options.q)}%`;
    const search = or(
      sql`${links.url} LIKE ${pattern} ESCAPE '\\'`,
      sql`${links.title} LIKE ${pattern} ESCAPE '\\'`,
      sql`${links.slug} LIKE ${pattern} ESCAPE '\\'`,
    );
    if (search) conditions.push(search);
  }
  return db
    .select()
    .from(links)
    .where(and(...conditions))
    .orderBy(desc(links.id))
    .limit(options.limit + 1)
    .all();
}
