import { resolverFor } from "../../../shared/url-safety/dns-resolver";
import { resolvedAddressProblem, urlProblem } from "../../../shared/url-safety/url-policy";
import { previewUrlPolicy, type PreviewConfig } from "./preview-config";

/** At most this much of a page is read; the metadata lives in its head, near the top. */
export const MAX_PAGE_BYTES = 256 * 1024;
export const MAX_REDIRECTS = 3;
const USER_AGENT = "Linkflow-Preview/1.0 (+link previews)";

export type FetchedPage = { ok: true; url: string; html: string; truncated: boolean } | { ok: false; reason: string };

/** Reads at most `limit` bytes of the body, then cancels the stream: a huge page costs no more. */
async function readCapped(body: ReadableStream<Uint8Array>, limit: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = limit - size;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      size = limit;
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes, truncated };
}

/**
 * GETs a destination page under the SSRF policy: every hop's URL is checked (literal and
 * resolved addresses) before it is requested, redirects are followed by hand (at most
 * MAX_REDIRECTS), the whole fetch shares one timeout, and only text/html is read, capped.
 */
export async function fetchPage(startUrl: string, config: PreviewConfig): Promise<FetchedPage> {
  const policy = previewUrlPolicy(config);
  const resolver = resolverFor(config.PREVIEW_DNS_RESOLVER);
  const signal = AbortSignal.timeout(config.PREVIEW_FETCH_TIMEOUT_MS);
  let url = startUrl;
  try {
    for (let hop = 0; ; hop += 1) {
      const problem = urlProblem(url, policy) ?? (await resolvedAddressProblem(url, policy, resolver));
      if (problem) return { ok: false, reason: `refused: ${url} ${problem}` };
      const res = await fetch(url, { redirect: "manual", signal, headers: { "user-agent": USER_AGENT, accept: "text/html,application/xhtml+xml" } });
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        if (hop === MAX_REDIRECTS) return { ok: false, reason: `more than ${MAX_REDIRECTS} redirects` };
        url = new URL(location, url).href;
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        return { ok: false, reason: `destination answered ${res.status}` };
      }
      const type = (res.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      if (type !== "text/html" && type !== "application/xhtml+xml") {
        await res.body?.cancel();
        return { ok: false, reason: `not an HTML page (${type || "no content-type"})` };
      }
      if (!res.body) return { ok: true, url, html: "", truncated: false };
      const { bytes, truncated } = await readCapped(res.body, MAX_PAGE_BYTES);
      return { ok: true, url, html: new TextDecoder().decode(bytes), truncated };
    }
  } catch (error) {
    if (signal.aborted) return { ok: false, reason: `timed out after ${config.PREVIEW_FETCH_TIMEOUT_MS} ms` };
    return { ok: false, reason: `fetch failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
