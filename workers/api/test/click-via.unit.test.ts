import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { clickRecordsOf, clicksRecordedV2, MAX_CLICKS_PER_BATCH, MAX_PLACE_NAME, MAX_RULES, type ClicksRecorded } from "#events";
import { newId } from "../../shared/ids";
import { CLICK_BATCH_MAX_BYTES, ClickPacker, type PackedClick } from "../src/redirect/click-batch";
import { clickFacts, clickSinkOf, LINK_CLICK, packedClickOf, visitorHashHex, type ClickVia } from "../src/redirect/click-event";

// ClicksRecorded v2 as the redirect packs it: each human click's trigger (QR scan or link), the
// targeting rule that chose its destination, and its place (region, city) from request.cf.
const link = { id: newId("lnk"), teamId: newId("team"), slug: "places" };
const settings = { hashSecret: "a-visitor-hash-secret-for-tests", logSampleRate: 0, windowMs: 30 };
const NOON = Date.parse("2026-11-27T12:00:00Z");
const MESSAGE_LIMIT = 128_000;

function request(cf: Record<string, unknown>, headers: Record<string, string> = {}, method = "GET"): Request {
  const made = new Request("https://sho.rt/places", { method, headers: { "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140", ...headers } });
  Object.defineProperty(made, "cf", { value: cf });
  return made;
}

let traces = 0;
function click(made: Request, via: ClickVia = LINK_CLICK, at = NOON): PackedClick {
  const traceId = (++traces).toString(16).padStart(32, "0");
  return packedClickOf(clickFacts(made), link, traceId, settings, new Date(at), via);
}

async function packed(clicks: PackedClick[]): Promise<ClicksRecorded[]> {
  const sent: ClicksRecorded[] = [];
  const packer = new ClickPacker<string>(visitorHashHex, async (_key, batch) => {
    sent.push(batch);
  });
  await Promise.all(clicks.map((c) => packer.add("q", c, clickSinkOf(env))).filter((p) => p !== null));
  return sent;
}

const bytesOf = (batch: ClicksRecorded) => new TextEncoder().encode(JSON.stringify(batch)).length;

describe("ClicksRecorded v2: trigger, rule and place of each human click", () => {
  it("sends v2 with a places dictionary, and clickRecordsOf gives every click its trigger, rule, city and region", async () => {
    const berlin = { country: "DE", city: "Berlin", region: "Berlin" };
    const sent = await packed([
      click(request(berlin), { trigger: "qr", rule: null, crawler: false }),
      click(request(berlin), { trigger: "link", rule: 3, crawler: false }),
      click(request({ country: "US", city: "Springfield", region: "Illinois" }), { trigger: "qr", rule: MAX_RULES - 1, crawler: false }),
      click(request({ country: "FR" })),
      click(request({ country: "AT", region: "Tyrol" })),
    ]);
    expect(sent).toHaveLength(1);
    const batch = clicksRecordedV2.parse(sent[0]);
    expect(batch.version).toBe(2);
    expect(batch.data.places).toEqual([
      ["Berlin", "Berlin"],
      ["Illinois", "Springfield"],
      ["Tyrol", null],
    ]);
    expect(clickRecordsOf(batch).map(({ trigger, rule, city, region, country }) => ({ trigger, rule, city, region, country }))).toEqual([
      { trigger: "qr", rule: null, city: "Berlin", region: "Berlin", country: "DE" },
      { trigger: "link", rule: 3, city: "Berlin", region: "Berlin", country: "DE" },
      { trigger: "qr", rule: MAX_RULES - 1, city: "Springfield", region: "Illinois", country: "US" },
      { trigger: "link", rule: null, city: null, region: null, country: "FR" },
      { trigger: "link", rule: null, city: null, region: "Tyrol", country: "AT" },
    ]);
  });

  it.each([
    ["a control character", "Ber\nlin"],
    ["a C1 control character", "Ber\u0085lin"],
    ["an empty name", ""],
    [`a name over ${MAX_PLACE_NAME} characters`, "x".repeat(MAX_PLACE_NAME + 1)],
    ["a number", 49],
    ["an object", { name: "Berlin" }],
  ])("refuses %s from the edge as no place (null), keeping the click", async (_name, value) => {
    const [batch] = await packed([click(request({ country: "DE", city: value, region: value }))]);
    expect(clicksRecordedV2.parse(batch).data.places).toEqual([]);
    expect(clickRecordsOf(clicksRecordedV2.parse(batch))[0]).toMatchObject({ city: null, region: null, country: "DE" });
  });

  it(`keeps a name of exactly ${MAX_PLACE_NAME} characters, in every script`, async () => {
    const long = "ß".repeat(MAX_PLACE_NAME);
    const [batch] = await packed([click(request({ city: long, region: "Bayern" }))]);
    expect(clickRecordsOf(clicksRecordedV2.parse(batch))[0]).toMatchObject({ city: long, region: "Bayern" });
  });

  it("gives bot GETs, crawlers and HEADs no place, trigger or rule: they stay counts per link", async () => {
    const berlin = { city: "Berlin", region: "Berlin" };
    const [batch] = await packed([
      click(request(berlin, { "user-agent": "Googlebot/2.1" }), { trigger: "qr", rule: 1, crawler: false }),
      click(request(berlin, { "user-agent": "Slackbot-LinkExpanding 1.0" }), { trigger: "link", rule: null, crawler: true }),
      click(request(berlin, {}, "HEAD"), { trigger: "qr", rule: null, crawler: false }),
    ]);
    const parsed = clicksRecordedV2.parse(batch);
    expect(parsed.data).toMatchObject({ clicks: [], places: [], bots: [[0, 2, 1]] });
  });

  it(`fits ${MAX_CLICKS_PER_BATCH} QR clicks with a rule and a few places in one batch, under the 128 KB message limit`, async () => {
    const cities = ["Berlin", "München", "Hamburg", "Köln", "Frankfurt am Main"];
    const clicks = Array.from({ length: MAX_CLICKS_PER_BATCH }, (_, i) =>
      click(
        request({ country: "DE", city: cities[i % cities.length], region: "Region" }, { "cf-connecting-ip": `198.51.100.${i % 250}` }),
        { trigger: "qr", rule: MAX_RULES - 1, crawler: false },
        NOON + (i % 900),
      ),
    );
    const sent = await packed(clicks);
    expect(sent.map((b) => b.data.clicks.length)).toEqual([MAX_CLICKS_PER_BATCH]);
    const [batch] = sent;
    if (!batch) throw new Error("no batch");
    expect(clicksRecordedV2.parse(batch)).toEqual(batch);
    expect(bytesOf(batch)).toBeLessThanOrEqual(CLICK_BATCH_MAX_BYTES);
    expect(CLICK_BATCH_MAX_BYTES).toBeLessThan(MESSAGE_LIMIT);
  });

  it(`never sends a batch over the size cap when each of ${MAX_CLICKS_PER_BATCH} clicks has its own long city and region`, async () => {
    const name = (i: number, letter: string) => `${i}${'"\\ü'.repeat(40)}${letter.repeat(MAX_PLACE_NAME)}`.slice(0, MAX_PLACE_NAME);
    const clicks = Array.from({ length: MAX_CLICKS_PER_BATCH }, (_, i) =>
      click(request({ country: "DE", city: name(i, "c"), region: name(i, "r") }), { trigger: "qr", rule: 0, crawler: false }, NOON + (i % 900)),
    );
    const sent = await packed(clicks);
    expect(sent.length).toBeGreaterThan(1);
    for (const batch of sent) {
      expect(clicksRecordedV2.parse(batch)).toEqual(batch);
      expect(bytesOf(batch)).toBeLessThanOrEqual(CLICK_BATCH_MAX_BYTES);
    }
    expect(sent.reduce((n, b) => n + b.data.clicks.length, 0)).toBe(MAX_CLICKS_PER_BATCH);
    expect(new Set(sent.flatMap(clickRecordsOf).map((r) => r.city)).size).toBe(MAX_CLICKS_PER_BATCH);
    // Full batches are well packed: above 80 % of the cap.
    expect(bytesOf(sent[0] ?? sent[sent.length - 1]!)).toBeGreaterThan(CLICK_BATCH_MAX_BYTES * 0.8);
  });
});
