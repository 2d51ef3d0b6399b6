import type { PreviewRecord } from "#contracts/preview/preview-rpc";
import { errorMessage, logger } from "../../../shared/log";
import type { CachedLink } from "./redirect-cache";
import type { RedirectEnv } from "./redirect-env";
import { boundedCard, previewPageHtml, type PreviewCard } from "./crawler-page";

const log = logger("api");

/**
 * The destination's metadata the preview Worker stored for the link's current url (its Previews
 * RPC: the preview service owns its KV), or null: none yet, a failed fetch, or the service not
 * answering, which must not keep the crawler from its 302.
 */
async function storedPreview(link: CachedLink, env: Pick<RedirectEnv, "PREVIEW">): Promise<PreviewRecord | null> {
  try {
    const answer = await env.PREVIEW.preview({ linkId: link.id, url: link.url });
    if (!answer.ok) {
      log.warn("link preview refused for a crawler", { linkId: link.id, error: answer.error.message });
      return null;
    }
    return answer.value.status === "stored" && answer.value.preview.status === "ready" ? answer.value.preview : null;
  } catch (error) {
    log.warn("link preview unavailable for a crawler", { linkId: link.id, error: errorMessage(error) });
    return null;
  }
}

/**
 * What a link-preview crawler's card shows, field by field: the link's own `og`, else what the
 * preview Worker fetched from the destination; null when neither has a title, description or
 * image (the crawler then gets the 302). The preview service is asked only when `og` leaves a
 * field open, and only for crawlers: a person's redirect never waits for it.
 */
export async function crawlerCard(link: CachedLink, env: Pick<RedirectEnv, "PREVIEW">): Promise<PreviewCard | null> {
  const og = link.og ?? {};
  const own: PreviewCard = { title: og.title ?? null, description: og.description ?? null, image: og.image ?? null };
  if (own.title !== null && own.description !== null && own.image !== null) return boundedCard(own);
  const fetched = await storedPreview(link, env);
  return boundedCard({
    title: own.title ?? fetched?.title ?? null,
    description: own.description ?? fetched?.description ?? null,
    image: own.image ?? fetched?.image ?? null,
  });
}

/** The short link a request names: its origin and path, without the query (the QR marker included). */
function shortLinkOf(requestUrl: string): string {
  const url = new URL(requestUrl);
  return `${url.origin}${url.pathname}`;
}

/** The Open Graph page for a link-preview crawler (crawler-page.ts), or null when there is no card to show. */
export async function crawlerPage(link: CachedLink, request: Request, location: string, env: Pick<RedirectEnv, "PREVIEW">): Promise<string | null> {
  const card = await crawlerCard(link, env);
  return card === null ? null : previewPageHtml(card, shortLinkOf(request.url), location);
}
