import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseUrl, createLink, createTeam } from "./client";
import { launchBrowser, openPage as openBrowserPage, WAIT } from "./dashboard-browser";

const BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
const GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** A page that fails the test on every script error or console error (a CSP violation shows up there too). */
const openPage = () => openBrowserPage(browser);

describe("the dashboard page in a browser", () => {
  it("asks for the API key once, then shows links appearing, clicked and deleted live", async () => {
    const team = await createTeam("Browser");
    const apiKey = (team.auth["authorization"] ?? "").replace(/^Bearer /, "");
    const { page, problems } = await openPage();

    await page.goto(`${baseUrl}/dashboard`);
    await page.getByLabel("API key").fill(apiKey);
    await page.getByRole("button", { name: "Connect" }).click();
    await page.locator('#connection-status[data-state="live"]').waitFor(WAIT);
    await expect(page.getByRole("status").textContent()).resolves.toContain("Live");

    const slug = `pw-${crypto.randomUUID().slice(0, 8)}`;
    const link = await createLink(team, { url: "https://example.com/from-the-browser-test", slug, title: "Browser test" });
    const feed = page.locator("#feed");
    await feed.locator("li", { hasText: `Created /${slug}` }).waitFor(WAIT);
    const row = page.locator(`#links-body tr[data-link-id="${link.id}"]`);
    await row.waitFor(WAIT);
    await expect(row.locator("td").nth(2).textContent()).resolves.toBe("Browser test");

    // Clicks arrive as counters (`clicks` frames; LinkClicked events from an older server count the
    // same way): the row's count moves and one summary line names the link, never an item per click.
    // Human clicks only, as the stats' `clicks`: the bot's click (first) never moves the counter.
    const clicks = page.locator(`#links-body tr[data-link-id="${link.id}"] .clicks`);
    const click = (userAgent: string) => fetch(`${baseUrl}/${slug}`, { redirect: "manual", headers: { "user-agent": userAgent } });
    expect((await click(GOOGLEBOT)).status).toBe(302);
    expect((await click(BROWSER)).status).toBe(302);
    await clicks.filter({ hasText: /^1$/ }).waitFor(WAIT);
    const summary = feed.locator('li[data-type="clicks"]');
    await summary.filter({ hasText: `1 click · /${slug} 1` }).waitFor(WAIT);
    for (let i = 0; i < 2; i += 1) expect((await click(BROWSER)).status).toBe(302);
    await clicks.filter({ hasText: /^3$/ }).waitFor(WAIT);
    await summary.filter({ hasText: `3 clicks · /${slug} 3` }).waitFor(WAIT);
    expect(await summary.count()).toBe(1);
    expect(await feed.locator('li[data-type="LinkClicked"]').count()).toBe(0);

    // The key was kept: a reload goes straight to the dashboard, with the link listed over HTTP.
    await page.reload();
    await page.locator('#connection-status[data-state="live"]').waitFor(WAIT);
    await row.waitFor(WAIT);
    expect(await page.locator("#key-section").isHidden()).toBe(true);

    const deleted = await fetch(`${baseUrl}/v1/links/${link.id}`, { method: "DELETE", headers: team.auth });
    expect(deleted.status).toBe(204);
    await feed.locator("li", { hasText: `Deleted /${slug}` }).waitFor(WAIT);
    await row.waitFor({ state: "detached", ...WAIT });

    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("keeps the key for the tab only, unless the person asks to be remembered on the device", async () => {
    const team = await createTeam("Key storage");
    const apiKey = (team.auth["authorization"] ?? "").replace(/^Bearer /, "");
    const { page, problems } = await openPage();
    const storedKeys = () => page.evaluate(() => ({ local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage) }));

    await page.goto(`${baseUrl}/dashboard`);
    expect(await page.getByLabel(/Remember me/).isChecked()).toBe(false);
    await page.getByLabel("API key").fill(apiKey);
    await page.getByRole("button", { name: "Connect" }).click();
    await page.locator('#connection-status[data-state="live"]').waitFor(WAIT);
    let stored = await storedKeys();
    expect(stored.local).not.toContain(apiKey);
    expect(stored.session).toContain(apiKey);
    // Another tab of the same browser (shared localStorage, its own sessionStorage) is asked again.
    const otherTab = await page.context().newPage();
    await otherTab.goto(`${baseUrl}/dashboard`);
    await otherTab.locator("#key-section").waitFor({ state: "visible", ...WAIT });
    await otherTab.close();

    // Chosen: remembered on the device, so a new tab connects at once; "Change API key" forgets it.
    await page.getByRole("button", { name: "Change API key" }).click();
    await page.getByLabel(/Remember me/).check();
    await page.getByLabel("API key").fill(apiKey);
    await page.getByRole("button", { name: "Connect" }).click();
    await page.locator('#connection-status[data-state="live"]').waitFor(WAIT);
    expect((await storedKeys()).local).toContain(apiKey);
    const rememberedTab = await page.context().newPage();
    await rememberedTab.goto(`${baseUrl}/dashboard`);
    await rememberedTab.locator('#connection-status[data-state="live"]').waitFor(WAIT);
    await rememberedTab.close();
    await page.getByRole("button", { name: "Change API key" }).click();
    stored = await storedKeys();
    expect(stored.local).not.toContain(apiKey);
    expect(stored.session).not.toContain(apiKey);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("renders the API docs from this origin under their CSP, with no script error or violation", async () => {
    const { page, problems } = await openPage();
    const origins = new Set<string>();
    page.on("request", (request) => origins.add(new URL(request.url()).origin));
    await page.goto(`${baseUrl}/docs`);
    await page.locator(".swagger-ui .info .title", { hasText: "Linkflow API" }).waitFor(WAIT);
    await page.locator(".opblock-summary-path", { hasText: "/v1/links" }).first().waitFor(WAIT);
    expect([...origins]).toEqual([new URL(baseUrl).origin]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("refuses a wrong key with a message next to the field", async () => {
    const { page } = await openPage();
    await page.goto(`${baseUrl}/dashboard`);
    await page.getByLabel("API key").fill("lf_not-a-real-key");
    await page.getByLabel("API key").press("Enter");
    await page.getByRole("alert").filter({ hasText: "not accepted" }).waitFor(WAIT);
    expect(await page.getByLabel("API key").getAttribute("aria-invalid")).toBe("true");
    await page.context().close();
  });
});
