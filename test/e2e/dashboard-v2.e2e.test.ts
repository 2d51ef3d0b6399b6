import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser } from "playwright-core";
import { SUBSCRIPTIONS } from "#contracts/fanout/subscriptions";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { api, baseUrl, createLink, createTeam, eventually } from "./client";
import { launchBrowser, openPage, screenshots, signIn, WAIT } from "./dashboard-browser";

// Dashboard v2 (issue 17) in a real browser against the real stack: a link made through the
// form (a control field, a bad field answered next to itself), its page (counters and chart
// moving live, QR), its event's trace, webhooks with a test delivery in the log. Each view is
// saved as a desktop and a 375 px phone screenshot (test/e2e/screenshots/, gitignored).

const BROWSER_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
const subscribersOfCreated = SUBSCRIPTIONS.filter((s) => (s.types as readonly string[]).includes("LinkCreated")).map((s) => s.subscriber);

/** The browser logs the 400 a test provokes on purpose (a bad field) as a console error: that one is expected. */
const notTheProvoked400 = (problem: string) => !problem.includes("the server responded with a status of 400");

let browser: Browser;
let receiver: Server;
let receiverOrigin = "";
const received: { path: string; type: string }[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ path: req.url ?? "/", type: /"type":"([^"]+)"/.exec(body)?.[1] ?? "" });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverOrigin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe("dashboard v2 in a browser", () => {
  it("creates a link through the form, shows its page moving live, its QR code and its event's trace", async () => {
    const team = await createTeam("Dashboard v2");
    const { page, problems } = await openPage(browser);
    await signIn(page, team);
    expect(await screenshots(page, "01-links-empty")).toBe(0);

    // The form: a click limit (a link control), UTM, and a slug the API refuses.
    await page.getByRole("link", { name: "New link" }).click();
    const slug = `v2-${crypto.randomUUID().slice(0, 8)}`;
    const form = page.locator("#link-form");
    await form.getByLabel("Destination URL").fill("https://example.com/v2-landing");
    await form.getByLabel("Slug").fill("not a slug!");
    await form.getByLabel("Title", { exact: true }).fill("Dashboard v2 link");
    await form.getByLabel("Tags").fill("launch, v2");
    await form.getByLabel("Click limit").fill("100");
    await form.getByLabel("utm_source").fill("newsletter");
    // A targeting rule with a URL but no condition: refused, next to that rule's conditions.
    await form.getByRole("button", { name: "Add a rule" }).click();
    await form.getByLabel("Send them to").fill("https://example.com/v2-de");
    await form.getByRole("button", { name: "Create link" }).click();
    const slugError = page.locator('[data-error-for="slug"]');
    await slugError.filter({ hasText: /A–Z/ }).waitFor(WAIT);
    expect(await form.getByLabel("Slug").getAttribute("aria-invalid")).toBe("true");
    await form.locator('[data-error-for="rules.0.when"]').filter({ hasText: "at least one condition" }).waitFor(WAIT);
    // Named next to its field, and nothing was created.
    expect((await api.get<{ data: unknown[] }>("/v1/links", team)).data).toHaveLength(0);
    expect(await screenshots(page, "02-link-form-error")).toBe(0);

    await form.getByLabel("Slug").fill(slug);
    await form.getByLabel("Countries").fill("de, at");
    await form.getByRole("button", { name: "Create link" }).click();
    await page.locator("#link-heading", { hasText: `/${slug}` }).waitFor(WAIT);
    const details = page.locator("#link-details");
    await details.getByText("100 human clicks").waitFor(WAIT);
    await details.getByText("utm_source=newsletter").waitFor(WAIT);
    await details.getByText("1. country DE/AT → https://example.com/v2-de").waitFor(WAIT);
    const clicksCounter = page.locator('[data-counter="clicks"] dd');
    await clicksCounter.filter({ hasText: /^0$/ }).waitFor(WAIT);
    const chart = page.locator("#clicks-chart");
    await chart.locator("canvas").first().waitFor(WAIT);
    expect(await chart.getAttribute("data-total")).toBe("0");

    // The QR code: shown and offered as an SVG download.
    const qr = page.locator("#link-qr img.qr-image");
    await qr.waitFor(WAIT);
    expect(await qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download SVG" }).click()]);
    expect(download.suggestedFilename()).toBe(`${slug}-qr.svg`);

    // A click on the short link moves the counter and the chart, without a reload.
    const res = await fetch(`${baseUrl}/${slug}`, { redirect: "manual", headers: { "user-agent": BROWSER_UA } });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toContain("utm_source=newsletter");
    await clicksCounter.filter({ hasText: /^1$/ }).waitFor(WAIT);
    await page.locator('#clicks-chart[data-total="1"]').waitFor(WAIT);

    // Once analytics has the click, the hourly chart (from the API) shows it too.
    const linkId = page.url().split("/").at(-1) ?? "";
    await eventually(async () => (await api.get<{ clicks: number }>(`/v1/links/${linkId}/stats`, team)).clicks === 1, "analytics to count the click");
    await page.getByRole("button", { name: /Hourly/ }).click();
    await page.locator('#clicks-chart[data-total="1"]').waitFor(WAIT);
    expect(await page.getByRole("button", { name: /Hourly/ }).getAttribute("aria-pressed")).toBe("true");
    await page.locator('#link-breakdowns [aria-labelledby="bars-browsers"] li').first().waitFor(WAIT);
    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
    expect(csv.suggestedFilename()).toBe(`${slug}-clicks-by-hour.csv`);
    expect(readFileSync(await csv.path(), "utf8")).toMatch(/^section,key,clicks\r\ntotal,,1\r\n/);
    expect(await screenshots(page, "03-link-page")).toBe(0);

    // The trace of its LinkCreated event: every subscriber of the type, delivered.
    await page.locator('#link-events li[data-type="LinkCreated"]').getByRole("link", { name: "Trace" }).click();
    await page.locator("#event-heading", { hasText: "LinkCreated" }).waitFor(WAIT);
    for (const subscriber of subscribersOfCreated) {
      await page.locator(`.timeline-row[data-subscriber="${subscriber}"][data-status="delivered"]`).waitFor(WAIT);
    }
    expect(await page.locator(".timeline-row").count()).toBe(subscribersOfCreated.length);
    expect(await screenshots(page, "04-event-trace")).toBe(0);

    // Back on the links list the row is there with its click.
    await page.getByRole("link", { name: "Links", exact: true }).click();
    await page.locator(`#links-body tr[data-link-id="${linkId}"] .clicks`).filter({ hasText: /^1$/ }).waitFor(WAIT);
    expect(await screenshots(page, "05-links")).toBe(0);
    expect(problems.filter(notTheProvoked400)).toEqual([]);
    await page.context().close();
  });

  it("edits a link, deletes it, filters by tag and search, and pages with the cursor", async () => {
    const team = await createTeam("Dashboard v2 list");
    const many = Array.from({ length: 27 }, (_, i) => ({
      url: `https://example.com/page-${i}`,
      slug: `pg-${i}-${crypto.randomUUID().slice(0, 6)}`,
      tags: i % 9 === 0 ? ["nine"] : [],
    }));
    await api.post("/v1/links/bulk", team, { links: many });
    const { page, problems } = await openPage(browser);
    await signIn(page, team);
    const rows = page.locator("#links-body tr");
    await page.locator("#load-more").waitFor({ state: "visible", ...WAIT });
    expect(await rows.count()).toBe(25);
    await page.getByRole("button", { name: "Load more links" }).click();
    await rows.nth(26).waitFor(WAIT);
    expect(await rows.count()).toBe(27);
    expect(await page.locator("#load-more").isHidden()).toBe(true);

    const filter = page.locator("#links-filter");
    await filter.getByLabel("Tag").fill("nine");
    await page.getByRole("button", { name: "Filter" }).click();
    await eventually(async () => (await rows.count()) === 3, "three links tagged nine");
    await page.getByRole("button", { name: "Clear" }).click();
    await eventually(async () => (await rows.count()) === 25, "the first page again");
    const target = many[4];
    if (!target) throw new Error("no link to search for");
    await filter.getByLabel("Search").fill(target.slug);
    await page.getByRole("button", { name: "Filter" }).click();
    await eventually(async () => (await rows.count()) === 1, "one link found by its slug");

    // Edit: a new title and a password; the page shows both.
    await rows
      .first()
      .getByRole("link", { name: /Details/ })
      .click();
    await page.getByRole("link", { name: "Edit" }).click();
    await page.locator("#link-form").getByLabel("Title", { exact: true }).fill("Edited in the browser");
    await page.locator("#link-form").getByLabel("Password", { exact: true }).fill("open sesame");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.locator("#link-details").getByText("Edited in the browser").waitFor(WAIT);
    await page.locator("#link-details").getByText("Required to open the link").waitFor(WAIT);

    const linkId = page.url().split("/").at(-1) ?? "";
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("button", { name: `Yes, delete /${target.slug}` }).click();
    await page.locator("#links-heading").waitFor(WAIT);
    await page.locator(`#links-body tr[data-link-id="${linkId}"]`).waitFor({ state: "detached", ...WAIT });
    expect((await fetch(`${baseUrl}/v1/links/${linkId}`, { headers: team.auth })).status).toBe(404);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("adds a webhook endpoint, refuses a bad URL next to the field, and shows its test delivery in the log", async () => {
    const team = await createTeam("Dashboard v2 hooks");
    const { page, problems } = await openPage(browser);
    await signIn(page, team, "#/webhooks");
    await page.locator("#webhooks-heading").waitFor(WAIT);

    const createForm = page.locator("#webhooks form").first();
    await createForm.getByLabel("Endpoint URL").fill("ftp://example.com/hook");
    await createForm.getByRole("button", { name: "Add endpoint" }).click();
    await createForm.locator('[data-error-for="url"]').filter({ hasText: /./ }).waitFor(WAIT);
    expect(await createForm.getByLabel("Endpoint URL").getAttribute("aria-invalid")).toBe("true");

    await createForm.getByLabel("Endpoint URL").fill(`${receiverOrigin}/dashboard-hook`);
    await createForm.getByRole("button", { name: "Add endpoint" }).click();
    await page.locator(".secret", { hasText: /^whsec_/ }).waitFor(WAIT);
    const card = page.locator("article.endpoint");
    await card.waitFor(WAIT);

    await card.getByRole("button", { name: "Send test" }).click();
    const testRow = card.locator('tr[data-event-type="webhook.test"][data-status="delivered"]');
    await testRow.waitFor(WAIT);
    expect(await testRow.locator("td").nth(3).textContent()).toBe("200");
    await testRow.getByRole("button", { name: "Attempts" }).click();
    await card.locator("tr.attempts", { hasText: "HTTP 200" }).waitFor(WAIT);
    expect(received.some((r) => r.path === "/dashboard-hook" && r.type === "webhook.test")).toBe(true);

    await testRow.getByRole("button", { name: "Redeliver" }).click();
    await card.getByText("Redelivering webhook.test.").waitFor(WAIT);
    await eventually(async () => received.filter((r) => r.path === "/dashboard-hook" && r.type === "webhook.test").length >= 2, "the redelivery");

    await card.getByRole("button", { name: "Disable" }).click();
    await page.locator("article.endpoint", { hasText: "Disabled" }).waitFor(WAIT);
    await page.locator("article.endpoint").getByRole("button", { name: "Enable" }).click();
    await page.locator("article.endpoint .badge", { hasText: /^Enabled$/ }).waitFor(WAIT);
    await page.locator("article.endpoint").getByRole("button", { name: "Rotate secret" }).click();
    await page.locator("article.endpoint .secret", { hasText: /^whsec_/ }).waitFor(WAIT);
    expect(await screenshots(page, "06-webhooks")).toBe(0);

    await page.locator("article.endpoint").getByRole("button", { name: "Edit" }).click();
    const editForm = page.locator("article.endpoint form");
    await editForm.getByLabel("Description").fill("From the browser");
    await editForm.getByLabel("link.clicked").check();
    await editForm.getByRole("button", { name: "Save endpoint" }).click();
    await page.locator("article.endpoint", { hasText: "link.clicked · From the browser" }).waitFor(WAIT);
    await page.locator("article.endpoint").getByRole("button", { name: "Remove" }).click();
    await page.getByRole("button", { name: "Yes, remove it" }).click();
    await page.getByText("No endpoints yet.").waitFor(WAIT);
    expect(await api.get<{ data: unknown[] }>("/v1/webhooks", team)).toMatchObject({ data: [] });
    expect(problems.filter(notTheProvoked400)).toEqual([]);
    await page.context().close();
  });

  it("says when the connection drops, and resumes from the last event it saw", async () => {
    const team = await createTeam("Dashboard v2 offline");
    const { page, problems } = await openPage(browser);
    await signIn(page, team);
    const feed = page.locator("#feed");
    const first = await createLink(team, { url: "https://example.com/before-the-drop" });
    await feed.locator("li", { hasText: `Created /${first.slug}` }).waitFor(WAIT);

    await page.context().setOffline(true);
    await page.locator('#connection-status[data-state="offline"]').waitFor(WAIT);
    await page.locator("#feed-detail", { hasText: /resumes after event evt_/ }).waitFor(WAIT);
    const missed = await createLink(team, { url: "https://example.com/while-offline" });
    await page.context().setOffline(false);
    await page.locator('#connection-status[data-state="live"]').waitFor(WAIT);
    // Replayed by `since`: the event the page missed while offline arrives once.
    await feed.locator("li", { hasText: `Created /${missed.slug}` }).waitFor(WAIT);
    expect(await feed.locator("li", { hasText: `Created /${missed.slug}` }).count()).toBe(1);
    expect(await page.locator("#feed-detail").textContent()).toBe("");
    expect(problems.filter((p) => !p.includes("ERR_INTERNET_DISCONNECTED"))).toEqual([]);
    await page.context().close();
  });

  it("says when the key is revoked while the page is live", async () => {
    const team = await createTeam("Dashboard v2 revoke");
    const minted = await api.admin<{ id: string; apiKey: string }>("POST", `/v1/admin/teams/${team.id}/keys`, { name: "browser" });
    const { page } = await openPage(browser);
    await signIn(page, { id: team.id, auth: { authorization: `Bearer ${minted.apiKey}` } });
    const revoked = await fetch(`${baseUrl}/v1/admin/teams/${team.id}/keys/${minted.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${inject("adminToken")}` },
    });
    expect(revoked.status).toBe(204);
    await page.locator('#connection-status[data-state="revoked"]').waitFor(WAIT);
    await page.getByRole("alert").filter({ hasText: "revoked" }).waitFor(WAIT);
    await page.context().close();
  });
});
