import { previewRecordSchema, type PreviewRecord } from "#contracts/preview/preview-rpc";

/** One KV key per link: a read is one get, and a put of the same preview twice changes nothing. */
export const previewKey = (linkId: string) => `preview/${linkId}`;

/** The stored preview, or null; a value that is not one (an older format) reads as absent. */
export async function storedPreview(kv: KVNamespace, linkId: string): Promise<PreviewRecord | null> {
  const raw = await kv.get(previewKey(linkId), "json");
  const parsed = previewRecordSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

export async function putPreview(kv: KVNamespace, linkId: string, record: PreviewRecord): Promise<void> {
  await kv.put(previewKey(linkId), JSON.stringify(previewRecordSchema.parse(record)));
}

export async function removePreview(kv: KVNamespace, linkId: string): Promise<void> {
  await kv.delete(previewKey(linkId));
}
