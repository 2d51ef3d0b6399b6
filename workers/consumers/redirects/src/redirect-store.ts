import { redirectKey, redirectRecordSchema, VACANT_RECORD_TTL_SECONDS, type RedirectRecord } from "#contracts/redirects/redirect-record";

/**
 * A slug's stored record, or null when there is none. A value that is not a record (not JSON,
 * or another shape) throws: replacing it would silently drop what it knew, so the events of that
 * slug are retried (and dead-lettered) until someone looks.
 */
export async function storedRecord(kv: KVNamespace, slug: string): Promise<RedirectRecord | null> {
  const raw = await kv.get(redirectKey(slug), "json");
  if (raw === null) return null;
  const parsed = redirectRecordSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`${redirectKey(slug)} holds no redirect record: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/**
 * Writes a slug's record. A vacant one (every holder moved away) expires once no event can
 * arrive any more (VACANT_RECORD_TTL_SECONDS); any other is kept, and a put without a TTL
 * clears an earlier one.
 */
export async function putRecord(kv: KVNamespace, slug: string, record: RedirectRecord): Promise<void> {
  const value = JSON.stringify(redirectRecordSchema.parse(record));
  await kv.put(redirectKey(slug), value, record.current === null ? { expirationTtl: VACANT_RECORD_TTL_SECONDS } : {});
}
