import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseUrl, createLink, createTeam } from "./client";

// Debian's chromium, driven by playwright-core: no browser download (.ci/run installs it with apt).
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const WAIT = { timeout: 30_000 };

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (as .ci/run does)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
});

afterAll(async () => {
  await browser?.close();
});

/** A page that fails the test on any script error or console error (a CSP violation shows up there too). */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  return { page, problems };
}

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

    const click = await fetch(`${baseUrl}/${slug}`, { redirect: "manual" });
    expect(click.status).toBe(302);
    await feed.locator("li", { hasText: `Clicked /${slug}` }).waitFor(WAIT);
    await page.locator(`#links-body tr[data-link-id="${link.id}"] .clicks`, { hasText: "1" }).waitFor(WAIT);

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
