import { eq } from "drizzle-orm";
import { links } from "#db/links";
import type { Database } from "../db";
import type { CachedLink } from "./redirect-cache";
import { redirectLinkColumns } from "./link-columns";

/** A protected link as the primary has it now, with its password hash (null: the password was removed). */
export interface PasswordLink {
  link: CachedLink;
  passwordHash: string | null;
}

/**
 * The link and its password hash from the links database's primary: the hash lives only there
 * (the read model says only `passwordProtected`, and never carries the hash), and the rest of the
 * link is read with it, so a right password redirects by the link as it is now.
 */
export async function primaryPasswordLink(db: Database, linkId: string): Promise<PasswordLink | null> {
  const row = await db
    .select({ ...redirectLinkColumns, passwordHash: links.passwordHash })
    .from(links)
    .where(eq(links.id, linkId))
    .get();
  if (!row) return null;
  const { passwordHash, ...link } = row;
  return { link: { ...link, passwordProtected: passwordHash !== null }, passwordHash };
}
