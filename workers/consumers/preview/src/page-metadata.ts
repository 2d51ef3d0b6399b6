/** What a page says about itself, as a preview shows it. */
export interface PageMetadata {
  title: string | null;
  description: string | null;
  image: string | null;
}

const MAX_TITLE = 300;
const MAX_DESCRIPTION = 1_000;

const clean = (text: string | null, max: number): string | null => {
  const squeezed = text?.replace(/\s+/g, " ").trim() ?? "";
  return squeezed ? squeezed.slice(0, max) : null;
};

/** An image reference as an absolute http(s) URL against the page's own URL, or null. */
function absoluteImage(raw: string | null, pageUrl: string): string | null {
  if (!raw?.trim()) return null;
  try {
    const url = new URL(raw.trim(), pageUrl);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Open Graph first (og:title, og:description, og:image), then the page's <title> and meta
 * description. HTMLRewriter tokenises as browsers do (attributes in any order
 * or quoting), streaming, so the page is never held as a DOM. `pageUrl` is where the page was
 * finally fetched from (after redirects): relative images resolve against it.
 */
export async function pageMetadata(html: string, pageUrl: string): Promise<PageMetadata> {
  const meta = new Map<string, string>();
  let title = "";
  let inTitle = false;
  let titleDone = false;
  const rewriter = new HTMLRewriter()
    .on("meta", {
      element(el) {
        const key = (el.getAttribute("property") ?? el.getAttribute("name") ?? "").trim().toLowerCase();
        const content = el.getAttribute("content");
        // The first occurrence wins, as for link unfurlers generally.
        if (key && content !== null && !meta.has(key)) meta.set(key, content);
      },
    })
    .on("title", {
      element(el) {
        inTitle = !titleDone;
        el.onEndTag(() => {
          inTitle = false;
          titleDone = true;
        });
      },
      text(chunk) {
        if (inTitle) title += chunk.text;
      },
    });
  await rewriter.transform(new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } })).arrayBuffer();
  return {
    title: clean(meta.get("og:title") ?? null, MAX_TITLE) ?? clean(title, MAX_TITLE),
    description: clean(meta.get("og:description") ?? null, MAX_DESCRIPTION) ?? clean(meta.get("description") ?? null, MAX_DESCRIPTION),
    image: absoluteImage(meta.get("og:image") ?? meta.get("og:image:url") ?? null, pageUrl),
  };
}
