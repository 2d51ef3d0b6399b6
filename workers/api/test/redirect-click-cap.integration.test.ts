// Click caps on the redirect (README "Link controls"): a link with `maxClicks` takes one use of
// its LinkClickCap object for each human GET before answering; bots and HEAD only look.
import { env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { clickRecordsOf } from "#events";
import { forgetClickCapRefusals } from "../src/redirect/click-cap";
import { redirectCache } from "../src/redirect/redirect-cache";
import {
  api,
  botCountsOfLink,
  createLink,
  createTeam,
  expectError,
  json,
  receivedClickBatches,
  waitForBotCounts,
  waitForClicks,
  type TestTeam,
} from "./helpers";

const BROWSER_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const LIMIT_MESSAGE = "This link reached its click limit.";

let shared: TestTeam | undefined;
async function team(): Promise<TestTeam> {
  shared ??= await createTeam("Caps");
  return shared;
}

const human = (slug: string) => api(`/${slug}`, { headers: { "user-agent": BROWSER_UA } });
const bot = (slug: string) => api(`/${slug}`, { headers: { "user-agent": BOT_UA } });
const head = (slug: string) => api(`/${slug}`, { method: "HEAD", headers: { "user-agent": BROWSER_UA } });

/** The human clicks of a link recorded so far, read once a later click of a fresh link has arrived (one isolate's clicks arrive in order). */
async function humanClicksOf(linkId: string): Promise<number> {
  const barrier = await createLink(await team(), { url: "https://example.com/barrier" });
  expect((await human(barrier.slug)).status).toBe(302);
  await waitForClicks((c) => c.linkId === barrier.id);
  return (await receivedClickBatches()).flatMap(clickRecordsOf).filter((c) => c.linkId === linkId).length;
}

/**
 * A capped link, already in the isolate's cache: the read model has no record of it in these
 * tests, so its first request reads the primary, within the isolate's budget of 20 such lookups a
 * second; past it a slug answers 404. One HEAD (which never uses the cap) reads it once.
 */
async function cappedLink(body: Record<string, unknown>): Promise<{ id: string; slug: string }> {
  const link = await createLink(await team(), body);
  expect((await api(`/${link.slug}`, { method: "HEAD" })).status).toBe(302);
  return link;
}

async function expectUsedUp(res: Response): Promise<void> {
  expect((await expectError(res, 410, "gone")).message).toBe(LIMIT_MESSAGE);
}

/** Sets the link's cap through the API, then has the isolate forget the link (its cache would within 10 s). */
async function setMaxClicks(linkId: string, maxClicks: number | null): Promise<void> {
  const res = await api(`/v1/links/${linkId}`, { ...json({ maxClicks }, (await team()).auth), method: "PATCH" });
  expect(res.status).toBe(200);
  redirectCache.reset();
}

describe("a link with maxClicks", () => {
  it("lets exactly maxClicks of many concurrent human GETs through; the others are used up, with no click", async () => {
    const K = 5;
    const N = 24;
    const link = await cappedLink({ url: "https://example.com/limited", maxClicks: K });
    const answers = await Promise.all(Array.from({ length: N }, () => human(link.slug)));
    const redirected = answers.filter((res) => res.status === 302);
    expect(redirected.map((res) => res.headers.get("location"))).toEqual(Array.from({ length: K }, () => "https://example.com/limited"));
    const refused = answers.filter((res) => res.status !== 302);
    expect(refused).toHaveLength(N - K);
    for (const res of refused) await expectUsedUp(res);
    expect(await humanClicksOf(link.id)).toBe(K);
    const ids = (await listDurableObjectIds(env.LINK_CLICK_CAP)).map((id) => id.toString());
    expect(ids).toContain(env.LINK_CLICK_CAP.idFromName(link.id).toString());
    expect(await env.LINK_CLICK_CAP.get(env.LINK_CLICK_CAP.idFromName(link.id)).peek(K)).toEqual({ allowed: false, used: K });
  });

  it("is never used up by bots or HEAD, which see it used up once a human used it up", async () => {
    const link = await cappedLink({ url: "https://example.com/one", maxClicks: 1 });
    // cappedLink sent one HEAD already.
    for (let i = 0; i < 3; i++) expect((await bot(link.slug)).status).toBe(302);
    for (let i = 0; i < 2; i++) expect((await head(link.slug)).status).toBe(302);
    expect((await human(link.slug)).status).toBe(302);
    await expectUsedUp(await human(link.slug));
    await expectUsedUp(await bot(link.slug));
    const headRes = await head(link.slug);
    expect(headRes.status).toBe(410);
    // Not only this isolate's memory of the refusal: the object itself says so.
    forgetClickCapRefusals();
    await expectUsedUp(await bot(link.slug));
    expect(await waitForBotCounts(link.id, { bots: 3, heads: 3 })).toEqual({ bots: 3, heads: 3 });
    expect(await humanClicksOf(link.id)).toBe(1);
    expect(await botCountsOfLink(link.id)).toEqual({ bots: 3, heads: 3 });
  });

  it("re-opens when a PATCH raises maxClicks, and closes again at the new cap", async () => {
    const link = await cappedLink({ url: "https://example.com/more", maxClicks: 1 });
    expect((await human(link.slug)).status).toBe(302);
    await expectUsedUp(await human(link.slug));
    await setMaxClicks(link.id, 3);
    expect((await human(link.slug)).status).toBe(302);
    expect((await human(link.slug)).status).toBe(302);
    await expectUsedUp(await human(link.slug));
    // Lowered below the count: used up at once; removed: never asked again, open.
    await setMaxClicks(link.id, 2);
    await expectUsedUp(await human(link.slug));
    await setMaxClicks(link.id, null);
    expect((await human(link.slug)).status).toBe(302);
    expect(await env.LINK_CLICK_CAP.get(env.LINK_CLICK_CAP.idFromName(link.id)).peek(3)).toEqual({ allowed: false, used: 3 });
  });

  it("sends a used-up link's visitors to its expiredUrl, counting no click", async () => {
    const link = await cappedLink({ url: "https://example.com/offer", maxClicks: 2, expiredUrl: "https://example.com/sold-out" });
    const locations = [];
    for (let i = 0; i < 4; i++) locations.push((await human(`${link.slug}?ref=x`)).headers.get("location"));
    expect(locations).toEqual([
      "https://example.com/offer?ref=x",
      "https://example.com/offer?ref=x",
      "https://example.com/sold-out",
      "https://example.com/sold-out",
    ]);
    expect(await humanClicksOf(link.id)).toBe(2);
  });

  it("refuses a human click it cannot count (503, Retry-After) rather than let it through uncounted; bots and HEAD still pass", async () => {
    const link = await createLink(await team(), { url: "https://example.com/broken", maxClicks: 5 });
    // A cap the object refuses (the API never stores one) makes every call to it fail.
    await env.LINKS_DB.prepare("UPDATE links SET max_clicks = 0 WHERE id = ?").bind(link.id).run();
    redirectCache.reset();
    const refused = await human(link.slug);
    expect(refused.headers.get("retry-after")).toBe("1");
    await expectError(refused, 503, "unavailable");
    expect((await bot(link.slug)).status).toBe(302);
    expect((await head(link.slug)).status).toBe(302);
    expect(await humanClicksOf(link.id)).toBe(0);
  });
});

describe("a link without maxClicks", () => {
  it("never calls a LinkClickCap object", async () => {
    const link = await createLink(await team(), { url: "https://example.com/free" });
    for (let i = 0; i < 3; i++) {
      expect((await human(link.slug)).status).toBe(302);
      expect((await bot(link.slug)).status).toBe(302);
      expect((await head(link.slug)).status).toBe(302);
    }
    const ids = (await listDurableObjectIds(env.LINK_CLICK_CAP)).map((id) => id.toString());
    expect(ids).not.toContain(env.LINK_CLICK_CAP.idFromName(link.id).toString());
  });
});
