// Targeting rules and link-preview crawlers on the real local stack (`npm run dev`'s Workers, its
// LOCAL_VARS): the `cf-ipcountry` header stands in for the country here, and only here.
import { describe, expect, it } from "vitest";
import { baseUrl, createLink, createTeam } from "./client";

async function visit(slug: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}/${slug}`, { headers, redirect: "manual" });
}

describe("targeting rules and social previews on the real stack", () => {
  it("a country rule follows the local cf-ipcountry header; an OS rule the User-Agent; the rest the link's url", async () => {
    const team = await createTeam("Targeting");
    const link = await createLink(team, {
      url: "https://example.com/e2e-home",
      rules: [
        { when: { country: ["DE"] }, url: "https://example.de/e2e" },
        { when: { os: ["android"] }, url: "https://play.google.com/store/apps/details?id=e2e" },
      ],
    });
    const german = await visit(`${link.slug}?ref=e2e`, { "cf-ipcountry": "DE" });
    expect([german.status, german.headers.get("location")]).toEqual([302, "https://example.de/e2e?ref=e2e"]);
    const android = await visit(link.slug, {
      "user-agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Mobile Safari/537.36",
    });
    expect(android.headers.get("location")).toBe("https://play.google.com/store/apps/details?id=e2e");
    expect((await visit(link.slug, { "cf-ipcountry": "FR" })).headers.get("location")).toBe("https://example.com/e2e-home");
  });

  it("a link-preview crawler gets the Open Graph page through the edge", async () => {
    const team = await createTeam("Previews");
    const link = await createLink(team, { url: "https://example.com/e2e-card", og: { title: "E2E <card>" } });
    const res = await visit(link.slug, { "user-agent": "Twitterbot/1.0" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toContain('<meta property="og:title" content="E2E &lt;card&gt;">');
    expect((await visit(link.slug)).status).toBe(302);
  });
});
