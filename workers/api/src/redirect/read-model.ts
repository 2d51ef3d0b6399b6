import { redirectKey, redirectRecordSchema, type RedirectLink } from "#contracts/redirects/redirect-record";
import { errorMessage, logger } from "../../../shared/log";

const log = logger("api");

/**
 * How long a KV location keeps a record it read (KV's `cacheTtl`, whose documented minimum is 30 s).
 * With KV's own propagation (a write reaches every location within about 60 s) this bounds how
 * stale a redirect can be (README "How fresh a redirect is").
 */
export const KV_CACHE_TTL_SECONDS = 30;
/** KV's documented propagation: a write is visible in every location within about 60 s (its read caches included). */
export const KV_PROPAGATION_MS = 60_000;

/** Where the redirect path reads records: the REDIRECTS namespace (tests wrap it to delay what a location sees). */
export interface RedirectStore {
  read(key: string): Promise<unknown>;
}

export function kvRedirectStore(kv: KVNamespace): RedirectStore {
  return { read: (key) => kv.get(key, { type: "json", cacheTtl: KV_CACHE_TTL_SECONDS }) };
}

/**
 * The link the read model says a slug names (live, expired or deleted), or null when it names none:
 * no record yet (a link created seconds ago, or never), a vacant slug (its link moved away; maybe a
 * new one took it since), or a record this code cannot read, or KV failing. The caller asks the
 * primary then, so null never means 404 by itself.
 */
export async function readModelLink(store: RedirectStore, slug: string): Promise<RedirectLink | null> {
  let value: unknown;
  try {
    value = await store.read(redirectKey(slug));
  } catch (error) {
    log.warn("redirect read model unavailable", { slug, error: errorMessage(error) });
    return null;
  }
  if (value === null) return null;
  const record = redirectRecordSchema.safeParse(value);
  if (!record.success) {
    log.error("redirect record unreadable", { slug, error: record.error.message });
    return null;
  }
  return record.data.current;
}
