import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { clickRecordsOf, clicksRecordedV2, MAX_CLICKS_PER_BATCH, SYSTEM_TEAM_ID, type ClicksRecorded } from "#events";
import { newId } from "../../shared/ids";
import { CLICK_BATCH_MAX_BYTES, ClickPacker, type PackedClick } from "../src/redirect/click-batch";
import { clickFacts, clickSinkOf, LINK_CLICK, packedClickOf, visitorHashHex, type ClickSettings, type ClickVia } from "../src/redirect/click-event";

// The packer skips newEvent's schema check (it runs on every redirect): these requests, as odd
// as a client can make them, and these loads must still give batches events/ accepts.
const teamA = newId("team");
const teamB = newId("team");
const linkA = { id: newId("lnk"), teamId: teamA, slug: "a".repeat(64) };
const linkB = { id: newId("lnk"), teamId: teamB, slug: "b" };
const settings: ClickSettings = { hashSecret: "a-visitor-hash-secret-for-tests", logSampleRate: 0, windowMs: 30 };
const NOON = Date.parse("2026-11-27T12:00:00Z");
const UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

function requestWith(headers: Record<string, string>, cf: Record<string, unknown> = {}, method = "GET"): Request {
  const request = new Request("https://sho.rt/abc", { method, headers });
  Object.defineProperty(request, "cf", { value: cf });
  return request;
}

let traces = 0;
const traceId = () => (++traces).toString(16).padStart(32, "0");

function click(request: Request, link = linkA, at = NOON, overrides: Partial<ClickSettings> = {}, via: ClickVia = LINK_CLICK): PackedClick {
  return packedClickOf(clickFacts(request), link, traceId(), { ...settings, ...overrides }, new Date(at), via);
}

/** A packer whose sends are recorded (the queue path itself is tested in redirects.integration). */
function recordingPacker() {
  const sent: ClicksRecorded[] = [];
  const packer = new ClickPacker<string>(visitorHashHex, async (_key, batch) => {
    sent.push(batch);
  });
  /** Adds every click as its own request would, waits for what those requests keep alive, and says which kept something. */
  const pack = async (clicks: PackedClick[]): Promise<boolean[]> => {
    const pending = clicks.map((c) => packer.add("q", c, clickSinkOf(env)));
    await Promise.all(pending.filter((p) => p !== null));
    return pending.map((p) => p !== null);
  };
  return { sent, pack };
}

const parsed = (batch: ClicksRecorded | undefined) => {
  const result = clicksRecordedV2.safeParse(batch);
  expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
  return result.data;
};

const browser = (n = 0) =>
  requestWith(
    { "user-agent": `Mozilla/5.0 (X11; Linux x86_64) Firefox/${n}`, "cf-connecting-ip": `198.51.100.${n % 250}`, referer: `https://site${n % 7}.example/p` },
    { country: "DE" },
  );

const odd: [string, Request][] = [
  ["no headers at all", requestWith({})],
  ["a user agent far over 512 characters", requestWith({ "user-agent": "Mozilla/5.0 ".repeat(200) })],
  [
    "a referrer with a 300-character host",
    requestWith({ referer: `https://${"x".repeat(60)}.${"y".repeat(60)}.${"z".repeat(60)}.${"w".repeat(60)}.${"v".repeat(55)}.example/` }),
  ],
  ["a referrer that is not a URL", requestWith({ referer: "::not a url::" })],
  ["a lowercase country", requestWith({}, { country: "de" })],
  ["a three-letter country", requestWith({}, { country: "DEU" })],
  ["a country that is not a string", requestWith({}, { country: 49 })],
  ["the Tor pseudo-country", requestWith({}, { country: "T1" })],
  ["a HEAD request from a verified bot", requestWith({ "user-agent": "Googlebot/2.1" }, { botManagement: { verifiedBot: true } }, "HEAD")],
  [
    "an IPv6 client",
    requestWith({ "cf-connecting-ip": "2001:db8::1", "user-agent": "curl/8.5.0", referer: "https://news.example.com/item?id=1" }, { country: "US" }),
  ],
];

describe("ClicksRecorded as the redirect packs it", () => {
  it.each(odd)("parses with events/ for %s", async (_name, request) => {
    const { sent, pack } = recordingPacker();
    await pack([click(request)]);
    expect(sent).toHaveLength(1);
    expect(parsed(sent[0])).toEqual(sent[0]);
  });

  it("keeps only what events/ allows of a long user agent and referrer", async () => {
    const { sent, pack } = recordingPacker();
    await pack([
      click(
        requestWith({
          "user-agent": `Mozilla/5.0 (X11; Linux x86_64) ${"U".repeat(2000)}`,
          referer: `https://${"h".repeat(63)}.${"h".repeat(63)}.${"h".repeat(63)}.${"h".repeat(63)}.io/`,
        }),
      ),
    ]);
    const [batch] = sent;
    if (!batch) throw new Error("no batch");
    const [record] = clickRecordsOf(batch);
    expect(record?.userAgent).toHaveLength(512);
    expect(record?.referrerHost?.length).toBe(255);
  });

  it("packs many clicks of several teams into one batch: SYSTEM_TEAM_ID, every link named with its team, trace ids kept", async () => {
    const { sent, pack } = recordingPacker();
    const clicks = Array.from({ length: 40 }, (_, i) => click(browser(i), i % 2 === 0 ? linkA : linkB, NOON + i * 10));
    const keptAlive = await pack(clicks);
    // Only the request that opened the batch keeps anything alive.
    expect(keptAlive.filter(Boolean)).toHaveLength(1);
    expect(sent).toHaveLength(1);
    const batch = parsed(sent[0]);
    expect(batch?.teamId).toBe(SYSTEM_TEAM_ID);
    expect(batch?.subject).toBe("clicks");
    expect(batch?.id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(batch?.data.links).toEqual([
      { linkId: linkA.id, teamId: teamA, slug: linkA.slug },
      { linkId: linkB.id, teamId: teamB, slug: linkB.slug },
    ]);
    expect(batch?.data.referrers).toHaveLength(7);
    expect(batch?.data.from).toBe(new Date(NOON).toISOString());
    expect(batch?.data.to).toBe(new Date(NOON + 390).toISOString());
    const records = batch ? clickRecordsOf(batch) : [];
    expect(records.map((r) => r.traceId)).toEqual(clicks.map((c) => c.traceId));
    expect(records.map((r) => r.linkId)).toEqual(clicks.map((c) => c.linkId));
    expect(records.map((r) => r.occurredAt)).toEqual(clicks.map((c) => new Date(c.at).toISOString()));
  });

  it("names the team in the envelope when every click is one team's", async () => {
    const { sent, pack } = recordingPacker();
    await pack([click(browser(1)), click(browser(2))]);
    expect(parsed(sent[0])?.teamId).toBe(teamA);
  });

  it("keys visitor hashes by day, team, address and user agent, as before", async () => {
    const { sent, pack } = recordingPacker();
    const same = () => requestWith({ "user-agent": UA, "cf-connecting-ip": "203.0.113.9" });
    await pack([click(same()), click(same()), click(same(), linkB), click(requestWith({ "user-agent": UA, "cf-connecting-ip": "203.0.113.10" }))]);
    const hashes = sent.flatMap(clickRecordsOf).map((r) => r.visitorHash);
    expect(hashes[0]).toBe(hashes[1]);
    expect(hashes[2]).not.toBe(hashes[0]);
    expect(hashes[3]).not.toBe(hashes[0]);
    expect(hashes[0]).toBe(await visitorHashHex(settings.hashSecret, `2026-11-27|${teamA}|203.0.113.9|${UA}`));
  });

  it("counts bot GETs and HEADs per link, with no tuple, agent, referrer or hash of their own", async () => {
    const { sent, pack } = recordingPacker();
    const googlebot = () =>
      requestWith({ "user-agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", referer: "https://bots.example/" });
    await pack([
      click(googlebot()),
      click(googlebot()),
      click(requestWith({ "user-agent": "Mozilla/5.0 Safari" }, { botManagement: { verifiedBot: true } })),
      click(requestWith({ "user-agent": "Mozilla/5.0 Safari" }, {}, "HEAD")),
      click(requestWith({}, {}, "HEAD"), linkB),
      click(browser(3), linkB),
    ]);
    const batch = parsed(sent[0]);
    expect(batch?.data.bots).toEqual([
      [0, 3, 1],
      [1, 0, 1],
    ]);
    expect(batch?.data.clicks).toHaveLength(1);
    expect(batch?.data.agents).toEqual(["Mozilla/5.0 (X11; Linux x86_64) Firefox/3"]);
    expect(batch?.data.referrers).toEqual(["site3.example"]);
  });

  it("seals a batch at a UTC day change: two batches, each within its day", async () => {
    const { sent, pack } = recordingPacker();
    const midnight = Date.parse("2026-11-28T00:00:00Z");
    await pack([
      click(browser(1), linkA, midnight - 2),
      click(browser(2), linkA, midnight - 1),
      click(browser(3), linkA, midnight),
      click(requestWith({}, {}, "HEAD"), linkA, midnight + 1),
    ]);
    expect(sent).toHaveLength(2);
    const [before, after] = sent.map(parsed);
    expect(before?.data).toMatchObject({ from: "2026-11-27T23:59:59.998Z", to: "2026-11-27T23:59:59.999Z" });
    expect(before?.data.clicks).toHaveLength(2);
    expect(after?.data).toMatchObject({ from: "2026-11-28T00:00:00.000Z", to: "2026-11-28T00:00:00.001Z", bots: [[0, 0, 1]] });
    expect(after?.data.clicks).toHaveLength(1);
  });

  it(`seals at ${MAX_CLICKS_PER_BATCH} human clicks, sent at once by the request that fills it`, async () => {
    const { sent, pack } = recordingPacker();
    const same = requestWith({ "user-agent": UA, "cf-connecting-ip": "203.0.113.1" });
    const clicks = Array.from({ length: MAX_CLICKS_PER_BATCH + 5 }, () => click(same));
    const keptAlive = await pack(clicks);
    // The opener (its window then finds the batch gone), the filler, and the opener of the next.
    expect(keptAlive.flatMap((kept, i) => (kept ? [i] : []))).toEqual([0, MAX_CLICKS_PER_BATCH - 1, MAX_CLICKS_PER_BATCH]);
    expect(sent.map((b) => parsed(b)?.data.clicks.length)).toEqual([MAX_CLICKS_PER_BATCH, 5]);
  });

  it(`seals at about ${CLICK_BATCH_MAX_BYTES / 1000} KB: distinct long agents (quotes, backslashes), referrers and slugs never make a batch over it`, async () => {
    const { sent, pack } = recordingPacker();
    const links = Array.from({ length: 300 }, (_, i) => ({ id: newId("lnk"), teamId: i % 3 === 0 ? teamA : teamB, slug: `s${i}-${"x".repeat(58)}` }));
    const clicks = Array.from({ length: 600 }, (_, i) =>
      click(
        requestWith(
          {
            "user-agent": `Mozilla/5.0 ${i} ${'"\\'.repeat(120)}`,
            referer: `https://${i}.${"r".repeat(200)}.example/`,
            "cf-connecting-ip": `10.0.${i % 250}.1`,
          },
          { country: "FR" },
        ),
        links[i % links.length],
      ),
    );
    await pack(clicks);
    expect(sent.length).toBeGreaterThan(1);
    for (const batch of sent) {
      expect(parsed(batch)).toEqual(batch);
      expect(new TextEncoder().encode(JSON.stringify(batch)).length).toBeLessThanOrEqual(CLICK_BATCH_MAX_BYTES);
      expect(batch.data.clicks.length).toBeLessThan(MAX_CLICKS_PER_BATCH);
    }
    expect(sent.reduce((n, b) => n + b.data.clicks.length, 0)).toBe(600);
    // Full batches are well packed: above 80 % of the cap.
    expect(new TextEncoder().encode(JSON.stringify(sent[0])).length).toBeGreaterThan(CLICK_BATCH_MAX_BYTES * 0.8);
  });

  it(`keeps a full batch of ${MAX_CLICKS_PER_BATCH} browser clicks under the 128 KB message limit`, async () => {
    const { sent, pack } = recordingPacker();
    await pack(Array.from({ length: MAX_CLICKS_PER_BATCH }, (_, i) => click(browser(i), i % 2 ? linkA : linkB, NOON + (i % 900))));
    for (const batch of sent) expect(new TextEncoder().encode(JSON.stringify(batch)).length).toBeLessThanOrEqual(CLICK_BATCH_MAX_BYTES);
    expect(sent.reduce((n, b) => n + b.data.clicks.length, 0)).toBe(MAX_CLICKS_PER_BATCH);
  });

  it("seals a batch when its send fails too (logged, not thrown, kept in the spool): the next click opens a new one", async () => {
    const packer = new ClickPacker<string>(visitorHashHex, async () => {
      throw new Error("queue down (injected)");
    }, [1, 1]);
    const first = click(browser(1));
    await expect(packer.add("q", first, clickSinkOf(env))).resolves.toBeUndefined();
    const spooled = await env.CLICK_SPOOL.list({ prefix: "batches/" });
    const batches = await Promise.all(spooled.objects.map(async (o) => clicksRecordedV2.parse(await (await env.CLICK_SPOOL.get(o.key))?.json())));
    expect(batches.filter((b) => b.data.clicks.some((c) => c[2] === first.traceId))).toHaveLength(1);
    expect(packer.add("q", click(browser(2)), clickSinkOf(env))).toBeInstanceOf(Promise);
  });
});
