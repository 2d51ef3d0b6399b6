// Real User-Agent strings, as browsers, apps and link-preview crawlers send them: the targeting
// rules' device and OS mapping, the crawler regex and the analytics consumer's classification are
// tested on the same corpus.

/** Browsers, with the device and OS a targeting rule sees (workers/api/src/redirect/rule-agent.ts). */
export const BROWSER_AGENTS = [
  {
    name: "iPhone Safari",
    ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    device: "mobile",
    os: "ios",
  },
  {
    name: "iPad Safari (iPadOS 12)",
    ua: "Mozilla/5.0 (iPad; CPU OS 12_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1 Mobile/15E148 Safari/604.1",
    device: "tablet",
    os: "ios",
  },
  {
    name: "Android Chrome (Pixel)",
    ua: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.165 Mobile Safari/537.36",
    device: "mobile",
    os: "android",
  },
  {
    name: "Android tablet (Galaxy Tab)",
    ua: "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    device: "tablet",
    os: "android",
  },
  {
    name: "Windows Chrome",
    ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    device: "desktop",
    os: "windows",
  },
  {
    name: "Windows Edge",
    ua: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68",
    device: "desktop",
    os: "windows",
  },
  {
    name: "macOS Safari",
    ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    device: "desktop",
    os: "macos",
  },
  {
    name: "macOS Firefox",
    ua: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0",
    device: "desktop",
    os: "macos",
  },
  {
    name: "Linux Firefox",
    ua: "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    device: "desktop",
    os: "linux",
  },
  {
    name: "Ubuntu Firefox",
    ua: "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    device: "desktop",
    os: "linux",
  },
  {
    name: "Chrome OS",
    ua: "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    device: "desktop",
    os: "other",
  },
  {
    name: "Instagram in-app browser on iPhone",
    ua: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 337.0.3.23.54 (iPhone15,3; iOS 17_5; en_US; en; scale=3.00; 1290x2796; 614498237)",
    device: "mobile",
    os: "ios",
  },
  {
    name: "Facebook in-app browser on Android",
    ua: "Mozilla/5.0 (Linux; Android 13; SM-S911B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/125.0.6422.165 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/468.0.0.55.105;]",
    device: "mobile",
    os: "android",
  },
  { name: "PlayStation 5", ua: "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko)", device: "other", os: "other" },
  { name: "curl", ua: "curl/8.5.0", device: "other", os: "other" },
] as const;

/** Link-preview crawlers that must get the Open Graph page (workers/api/src/redirect/crawler-agents.ts). */
export const PREVIEW_CRAWLER_AGENTS = [
  ["X / Twitter", "Twitterbot/1.0"],
  ["Facebook", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"],
  ["Facebook (Facebot)", "Mozilla/5.0 (compatible; Facebot/1.0; +https://developers.facebook.com/docs/sharing/webmasters/crawler)"],
  ["LinkedIn", "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"],
  ["Slack", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"],
  ["Discord", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"],
  ["WhatsApp", "WhatsApp/2.23.20.0 A"],
  ["WhatsApp (iOS)", "WhatsApp/2.24.13.78 i"],
  ["Telegram", "TelegramBot (like TwitterBot)"],
  ["Pinterest", "Pinterest/0.2 (+https://www.pinterest.com/bot.html)"],
  ["Pinterestbot", "Mozilla/5.0 (compatible; Pinterestbot/1.0; +https://www.pinterest.com/bot.html)"],
  ["Skype / Teams", "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com"],
  [
    "iMessage",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0",
  ],
  ["Mastodon", "http.rb/5.1.1 (Mastodon/4.2.8; +https://mastodon.social/) Bot"],
  ["Bluesky", "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)"],
  ["Reddit", "Mozilla/5.0 (compatible; redditbot/1.0; +http://www.reddit.com/feedback)"],
  ["Embedly", "Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)"],
  ["Iframely", "Iframely/1.3.1 (+https://iframely.com/docs/about)"],
  ["Snapchat", "Mozilla/5.0 (compatible; Snap URL Preview Service; bot; snapchat; https://developers.snap.com/robots)"],
  ["VK", "Mozilla/5.0 (compatible; vkShare; +http://vk.com/dev/Share)"],
  ["Tumblr", "Tumblr/14.0.835.186"],
] as const;

/** Not link-preview crawlers: search engines and other bots see the 302 like everyone. */
export const OTHER_BOT_AGENTS = [
  "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
  "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
] as const;
