/** What a link-preview card shows; each field null when neither the link's `og` nor its destination's metadata has it. */
export interface PreviewCard {
  title: string | null;
  description: string | null;
  image: string | null;
}

/** Text is cut to what cards show (the bounds of a link's `og`): stored metadata of a page may be longer. */
export const MAX_TITLE_CHARS = 200;
export const MAX_DESCRIPTION_CHARS = 500;
const MAX_URL_CHARS = 2048;

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe for an HTML attribute value or element content (every value of the page goes through it). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

function bounded(text: string | null, max: number): string | null {
  const trimmed = text?.trim() ?? "";
  if (trimmed === "") return null;
  // Cut by code points, so a cut never leaves half a surrogate pair.
  const chars = [...trimmed];
  return chars.length <= max ? trimmed : `${chars.slice(0, max - 1).join("")}…`;
}

/** An image is shown only as an absolute http(s) URL: no `javascript:`, `data:` or relative path reaches the page. */
function imageUrl(url: string | null): string | null {
  if (url === null || url.length > MAX_URL_CHARS) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** The card with its text bounded and its image checked; null when nothing is left to show. */
export function boundedCard(card: PreviewCard): PreviewCard | null {
  const shown = { title: bounded(card.title, MAX_TITLE_CHARS), description: bounded(card.description, MAX_DESCRIPTION_CHARS), image: imageUrl(card.image) };
  return shown.title === null && shown.description === null && shown.image === null ? null : shown;
}

/**
 * The page a link-preview crawler gets: Open Graph and Twitter card tags for the card, `og:url` the
 * short link itself (so the card stays the link's: a crawler that follows `og:url` comes back
 * here), and for a person who opens it after all, a meta refresh and a plain link to the
 * destination. Every value is escaped.
 */
export function previewPageHtml(card: PreviewCard, shortUrl: string, destination: string): string {
  const meta = (attribute: "property" | "name", key: string, value: string | null) =>
    value === null ? [] : [`<meta ${attribute}="${key}" content="${escapeHtml(value)}">`];
  const heading = card.title ?? shortUrl;
  return [
    "<!doctype html>",
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(heading)}</title>`,
    ...meta("property", "og:type", "website"),
    ...meta("property", "og:url", shortUrl),
    ...meta("property", "og:title", card.title),
    ...meta("property", "og:description", card.description),
    ...meta("property", "og:image", card.image),
    ...meta("name", "twitter:card", card.image === null ? "summary" : "summary_large_image"),
    ...meta("name", "twitter:title", card.title),
    ...meta("name", "twitter:description", card.description),
    ...meta("name", "twitter:image", card.image),
    `<meta http-equiv="refresh" content="0; url=${escapeHtml(destination)}">`,
    "</head><body>",
    `<p><a href="${escapeHtml(destination)}">${escapeHtml(heading)}</a></p>`,
    "</body></html>",
    "",
  ].join("\n");
}
