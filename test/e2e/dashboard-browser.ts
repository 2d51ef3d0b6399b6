import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { baseUrl, type Team } from "./client";

// Debian's chromium, driven by playwright-core: no browser download (.ci/run installs it with apt).
const CHROMIUM = "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const WAIT = { timeout: 30_000 };
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 375, height: 812 };
/** Screenshots of each view land here (gitignored) for a person to look at. */
export const SCREENSHOTS = path.resolve(import.meta.dirname, "screenshots");

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (as .ci/run does)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/** A page that records every script error or console error (a CSP violation shows up there too). */
export async function openPage(browser: Browser, viewport = DESKTOP): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  return { page, problems };
}

export function apiKeyOf(team: Team): string {
  return (team.auth["authorization"] ?? "").replace(/^Bearer /, "");
}

/** Opens the dashboard (at `hash`, if given) and signs in with the team's key. */
export async function signIn(page: Page, team: Team, hash = ""): Promise<void> {
  await page.goto(`${baseUrl}/dashboard${hash}`);
  await page.getByLabel("API key").fill(apiKeyOf(team));
  await page.getByRole("button", { name: "Connect" }).click();
  await page.locator('#connection-status[data-state="live"]').waitFor(WAIT);
}

/** How far the page is wider than the viewport (0: nothing sticks out sideways). */
export async function horizontalOverflow(page: Page): Promise<number> {
  // A string: this file is type-checked for Node, where `document` does not exist.
  return Number(await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"));
}

/**
 * The phone view's overflow once its layout has settled: the chart resizes to its new width from a
 * ResizeObserver, a frame or more after the viewport changes (several under load), so the width
 * is read until it fits or 5 s have passed; a page that still overflows then answers by how much.
 */
async function settledOverflow(page: Page): Promise<number> {
  const until = Date.now() + 5_000;
  let overflow = await horizontalOverflow(page);
  while (overflow > 0 && Date.now() < until) {
    await page.waitForTimeout(100);
    overflow = await horizontalOverflow(page);
  }
  return overflow;
}

/**
 * Saves the page as it looks now, at desktop width and at a 375 px phone width; answers how many
 * pixels the phone view sticks out sideways (0 when it fits).
 */
export async function screenshots(page: Page, name: string): Promise<number> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const viewport = page.viewportSize() ?? DESKTOP;
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  const overflow = await settledOverflow(page);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(viewport);
  return overflow;
}
