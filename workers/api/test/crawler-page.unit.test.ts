// Link-preview crawlers (src/redirect/crawler-*.ts): who they are, and the page they get.
import { describe, expect, it } from "vitest";
import { isbot } from "isbot";
import { isPreviewCrawler } from "../src/redirect/crawler-agents";
import { MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS, boundedCard, escapeHtml, previewPageHtml } from "../src/redirect/crawler-page";
import { BROWSER_AGENTS, OTHER_BOT_AGENTS, PREVIEW_CRAWLER_AGENTS } from "../../../test/support/user-agents";

describe("isPreviewCrawler", () => {
  it.each(PREVIEW_CRAWLER_AGENTS)("%s is one, and a bot to isbot too", (_name, ua) => {
    expect(isPreviewCrawler(ua)).toBe(true);
    expect(isbot(ua)).toBe(true);
  });

  it("browsers, in-app browsers, search engines and no agent at all are not", () => {
    for (const { ua } of BROWSER_AGENTS) expect(isPreviewCrawler(ua), ua).toBe(false);
    for (const ua of OTHER_BOT_AGENTS) expect(isPreviewCrawler(ua), ua).toBe(false);
    expect(isPreviewCrawler(null)).toBe(false);
    expect(isPreviewCrawler("")).toBe(false);
  });
});

describe("the preview page", () => {
  const hostile = '"><script>alert(1)</script>';

  it("escapes every value: text, image, short URL and destination", () => {
    const html = previewPageHtml(
      { title: hostile, description: `${hostile}&`, image: 'https://img.example/a.png?x="><b>' },
      "https://sho.rt/a",
      `https://example.com/?q=${hostile}`,
    );
    expect(html).not.toContain("<script>");
    expect(html).not.toContain('"><');
    expect(html).toContain('<meta property="og:title" content="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">');
    expect(html).toContain('<meta property="og:description" content="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;">');
    expect(html).toContain('<meta http-equiv="refresh" content="0; url=https://example.com/?q=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">');
    expect(html).toContain('<meta property="og:url" content="https://sho.rt/a">');
  });

  it("has Open Graph and Twitter card tags, a refresh and a plain link to the destination", () => {
    const html = previewPageHtml(
      { title: "Launch", description: "Our new app", image: "https://img.example/card.png" },
      "https://sho.rt/a",
      "https://example.com/",
    );
    for (const tag of [
      '<meta property="og:title" content="Launch">',
      '<meta property="og:description" content="Our new app">',
      '<meta property="og:image" content="https://img.example/card.png">',
      '<meta name="twitter:card" content="summary_large_image">',
      '<meta name="twitter:title" content="Launch">',
      '<meta name="twitter:description" content="Our new app">',
      '<meta name="twitter:image" content="https://img.example/card.png">',
      '<a href="https://example.com/">Launch</a>',
    ])
      expect(html).toContain(tag);
    const textOnly = previewPageHtml({ title: "T", description: null, image: null }, "https://sho.rt/a", "https://example.com/");
    expect(textOnly).toContain('<meta name="twitter:card" content="summary">');
    expect(textOnly).not.toContain("og:image");
    expect(textOnly).not.toContain("og:description");
  });

  it("bounds text, checks the image, and shows nothing without a field", () => {
    const card = boundedCard({ title: "t".repeat(1_000), description: "😀".repeat(1_000), image: "javascript:alert(1)" });
    expect([...(card?.title ?? "")].length).toBe(MAX_TITLE_CHARS);
    expect([...(card?.description ?? "")].length).toBe(MAX_DESCRIPTION_CHARS);
    expect(card?.description?.endsWith("😀…")).toBe(true);
    expect(card?.image).toBeNull();
    expect(boundedCard({ title: "  ", description: null, image: "/relative.png" })).toBeNull();
    expect(boundedCard({ title: null, description: null, image: "https://img.example/a b.png" })?.image).toBe("https://img.example/a%20b.png");
  });

  it("escapeHtml covers the five characters that matter", () => {
    expect(escapeHtml(`&<>"'`)).toBe("&amp;&lt;&gt;&quot;&#39;");
  });
});
