import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { clicksRecordedV2, type ClicksRecorded } from "#events";
import { sampleEvents } from "#events/samples";
import { newId } from "../../shared/ids";
import { api, createLink, createTeam, receivedClickBatches, waitForClicks, waitForEvents, type LinkBody, type TestTeam } from "./helpers";
import { forward, waitForJson } from "./consumers-helpers";

// Stats gain qrScans, cities, regions and rules: real clicks through the redirect carry the
// edge's place (request.cf) in ClicksRecorded v2 batches, which go to the analytics Worker's real
// queue as the fan-out would hand them; the routes answer what it folded.

const SAFARI = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
const keyClicks = z.array(z.strictObject({ key: z.string(), clicks: z.number().int().positive() }));
const placesShape = z.object({
  clicks: z.number().int(),
  botClicks: z.number().int(),
  qrScans: z.number().int(),
  cities: keyClicks,
  regions: keyClicks,
  rules: keyClicks,
});
type PlacesBody = z.infer<typeof placesShape>;

const berlin = { country: "DE", city: "Berlin", region: "Berlin", regionCode: "BE" };
const springfield = { country: "US", city: "Springfield", region: "Illinois", regionCode: "IL" };

async function clickFrom(link: LinkBody, ip: string, cf: Record<string, string>, userAgent = SAFARI): Promise<void> {
  const res = await api(`/${link.slug}`, { headers: { "user-agent": userAgent, "cf-connecting-ip": ip }, cf } as RequestInit);
  expect(res.status).toBe(302);
}

/** The link's LinkCreated and every click batch that carries one of its clicks, to the analytics Worker. */
async function deliverBatchesOf(link: LinkBody, humanClicks: number): Promise<ClicksRecorded[]> {
  const created = await waitForEvents((e) => e.subject === link.id);
  const ids = new Set((await waitForClicks((c) => c.linkId === link.id, humanClicks)).map((c) => c.batchId));
  const batches = (await receivedClickBatches()).filter((b) => ids.has(b.id));
  await forward(env.TEST_ANALYTICS_EVENTS, [...created, ...batches]);
  return batches;
}

/** A v2 batch of QR scans of the link, as an isolate whose redirect saw the QR marker and a rule would pack it. */
function qrBatch(team: TestTeam, link: LinkBody): ClicksRecorded {
  const sample = structuredClone(sampleEvents["ClicksRecorded.v2"]);
  const now = new Date().toISOString();
  return clicksRecordedV2.parse({
    ...sample,
    id: newId("evt"),
    teamId: team.id,
    occurredAt: now,
    data: {
      ...sample.data,
      from: now,
      to: now,
      links: [{ linkId: link.id, teamId: team.id, slug: link.slug }],
      places: [["Berlin", "Berlin"]],
      clicks: [
        [0, 0, "a".repeat(32), "DE", 0, 0, "1".repeat(32), 1, 2, 0],
        [0, 0, "b".repeat(32), "DE", 0, 0, "2".repeat(32), 1, -1, 0],
        [0, 0, "c".repeat(32), "DE", 0, 0, "3".repeat(32), 0, 2, 0],
      ],
      bots: [],
    },
  });
}

const statsOf = (path: string, team: TestTeam, clicks: number) =>
  waitForJson<PlacesBody>(path, team.auth, (s) => s.clicks === clicks).then((s) => placesShape.parse(s));

describe("stats of places, QR scans and rules", () => {
  it("answers cities and regions of real clicks, then QR scans and rules, in JSON, CSV and team-wide", async () => {
    const team = await createTeam("Places");
    const link = await createLink(team, { url: "https://example.com/places" });
    await clickFrom(link, "203.0.113.21", berlin);
    await clickFrom(link, "203.0.113.22", berlin);
    await clickFrom(link, "198.51.100.23", springfield);
    // The edge could not place this visitor; and a crawler is a bot wherever it is.
    await clickFrom(link, "198.51.100.24", { country: "FR" });
    await clickFrom(link, "66.249.66.25", berlin, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");
    const batches = await deliverBatchesOf(link, 4);
    expect(batches.every((b) => b.version === 2)).toBe(true);

    const path = `/v1/links/${link.id}/stats`;
    const placed = await statsOf(path, team, 4);
    expect(placed).toMatchObject({ clicks: 4, qrScans: 0, rules: [] });
    expect(placed.cities).toEqual([
      { key: "Berlin, Berlin, DE", clicks: 2 },
      { key: "Springfield, Illinois, US", clicks: 1 },
      { key: "unknown", clicks: 1 },
    ]);
    expect(placed.regions).toEqual([
      { key: "Berlin, DE", clicks: 2 },
      { key: "Illinois, US", clicks: 1 },
      { key: "unknown", clicks: 1 },
    ]);

    // Two QR scans (one matched rule 2) and a click through the link that matched rule 2.
    await forward(env.TEST_ANALYTICS_EVENTS, [qrBatch(team, link)]);
    const scanned = await statsOf(path, team, 7);
    expect(scanned).toMatchObject({ clicks: 7, qrScans: 2, rules: [{ key: "2", clicks: 2 }] });
    expect(scanned.cities[0]).toEqual({ key: "Berlin, Berlin, DE", clicks: 5 });

    const csv = await (await api(`${path}?format=csv`, { headers: team.auth })).text();
    const rows = csv.split("\r\n");
    expect(rows.slice(1, 5)).toEqual(["total,,7", expect.stringMatching(/^uniqueVisitors,,\d+$/), "botClicks,,1", "qrScans,,2"]);
    expect(rows.filter((r) => /^(cities|regions|rules),/.test(r))).toEqual([
      'cities,"Berlin, Berlin, DE",5',
      'cities,"Springfield, Illinois, US",1',
      "cities,unknown,1",
      'regions,"Berlin, DE",5',
      'regions,"Illinois, US",1',
      "regions,unknown,1",
      "rules,2,2",
    ]);

    const teamWide = await statsOf("/v1/stats", team, 7);
    expect(teamWide).toEqual(scanned);
  });
});
