/**
 * The link-preview crawlers that get a link's Open Graph page instead of its 302 (README "Link
 * controls", social previews): the fetchers that unfurl a pasted link into a card. One regex, tested
 * once per redirect on the fast path; each alternative is a token only that fetcher's User-Agent
 * carries (test/crawler-agents.unit.test.ts holds real ones, and browsers' that must not match).
 * Search engines are not here: they should see the destination itself.
 *
 * - facebookexternalhit, Facebot: Facebook, Instagram, Messenger, Threads, LINE; iMessage's
 *   previews send a Safari agent ending in facebookexternalhit/1.1 Facebot Twitterbot/1.0
 * - Twitterbot: X; LinkedInBot; Slackbot-LinkExpanding (Slack); Discordbot; WhatsApp/;
 *   TelegramBot; Pinterest/ and Pinterestbot; SkypeUriPreview (Skype, Teams); Mastodon/ (every
 *   instance fetches for itself); Bluesky's Cardyb; redditbot; Embedly and Iframely (embed
 *   services); Snap URL Preview Service (Snapchat); vkShare (VK); Tumblr/.
 */
export const PREVIEW_CRAWLER =
  /facebookexternalhit|facebot|twitterbot|linkedinbot|slackbot-linkexpanding|discordbot|whatsapp\/|telegrambot|pinterest(?:bot)?\/|skypeuripreview|mastodon\/|cardyb|redditbot|embedly|iframely|snap url preview|vkshare|tumblr\//i;

/** Whether a User-Agent is a link-preview crawler's. */
export function isPreviewCrawler(userAgent: string | null | undefined): boolean {
  return userAgent !== null && userAgent !== undefined && PREVIEW_CRAWLER.test(userAgent);
}
