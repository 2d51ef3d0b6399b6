import type { LinkEvent, LinkSnapshot } from "#events";
import type { PreviewRecord } from "#contracts/preview/preview-rpc";
import type { ConsumerSpec, PerformBatchResult } from "../../../shared/consumer/consumer-spec";
import { errorMessage } from "../../../shared/log";
import { fetchPage, MAX_PAGE_BYTES } from "./fetch-page";
import { pageMetadata } from "./page-metadata";
import { previewConfigOf } from "./preview-config";
import { putPreview, removePreview, storedPreview } from "./preview-store";

/** A page we could not preview is a stored answer too: the api shows `failed`, not 202 forever. */
async function previewOf(link: LinkSnapshot, env: PreviewEnv): Promise<PreviewRecord> {
  const base = { url: link.url, fetchedAt: new Date().toISOString(), linkUpdatedAt: link.updatedAt };
  const failed = (reason: string): PreviewRecord => ({ ...base, status: "failed", title: null, description: null, image: null, reason });
  const page = await fetchPage(link.url, previewConfigOf(env));
  if (!page.ok) return failed(page.reason);
  const metadata = await pageMetadata(page.html, page.url);
  const empty = metadata.title === null && metadata.description === null && metadata.image === null;
  if (empty && page.truncated) return failed(`no metadata in the first ${MAX_PAGE_BYTES / 1024} KB of the page`);
  return { ...base, status: "ready", ...metadata, reason: null };
}

type Outcome = "done" | "already done";

/**
 * Fetches unless the stored preview is already for this version of the link or a newer one:
 * a redelivered event costs one KV read, changes nothing, and is reported as a duplicate (the
 * ledger counts it like a receipt-skipped one); an older event arriving late changes nothing.
 */
async function refresh(link: LinkSnapshot, env: PreviewEnv): Promise<Outcome> {
  const stored = await storedPreview(env.PREVIEWS, link.id);
  if (stored && stored.linkUpdatedAt >= link.updatedAt) return "already done";
  await putPreview(env.PREVIEWS, link.id, await previewOf(link, env));
  return "done";
}

async function handle(event: LinkEvent, env: PreviewEnv): Promise<Outcome> {
  switch (event.type) {
    case "LinkCreated":
      return refresh(event.data.link, env);
    case "LinkUpdated":
      // The page belongs to the url: a new title or tag on the link says nothing new about it.
      return event.data.changed.includes("url") ? refresh(event.data.link, env) : "done";
    case "LinkDeleted":
      if (!(await storedPreview(env.PREVIEWS, event.data.linkId))) return "already done";
      await removePreview(env.PREVIEWS, event.data.linkId);
      return "done";
    case "LinkClicked":
    case "ClicksRecorded":
      // Not subscribed (contracts/fanout/subscriptions.ts); a stray one is delivered and ignored.
      return "done";
  }
}

/** Each event on its own: one that fails is retried alone, one found done is reported a duplicate. */
async function performBatch(events: LinkEvent[], env: PreviewEnv): Promise<PerformBatchResult> {
  const result: PerformBatchResult = { failed: [], duplicates: [] };
  for (const event of events) {
    try {
      if ((await handle(event, env)) === "already done") result.duplicates?.push(event.id);
    } catch (error) {
      result.failed.push({ eventId: event.id, error: errorMessage(error) });
    }
  }
  return result;
}

/**
 * No D1 and no receipts: every effect is an idempotent KV put or delete keyed by link id,
 * and the version check above keeps a redelivery from fetching the page again.
 */
export const previewConsumer: ConsumerSpec<PreviewEnv> = {
  subscriber: "preview",
  reports: (env) => env.DELIVERY_REPORTS,
  performBatch,
  retry: { baseSeconds: 5, capSeconds: 600 },
};
