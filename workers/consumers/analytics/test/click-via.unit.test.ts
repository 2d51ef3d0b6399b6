import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_KEYS_PER_DIMENSION } from "#contracts/analytics/stats";
import { linkEventSchema, type EventOf } from "#events";
import { sampleEvents } from "#events/samples";
import { newEventId, newLinkId, newTeamId, visitorHash } from "../../../../test/support/event-fixtures";
import { clicksRecorded, type BatchClick } from "./click-batches";
import { deliver, reportsOf, stats, statsShape, UA } from "./helpers";

// QR scans, cities, regions and matched rules: what ClicksRecorded v2 (and LinkClicked v2)
// add to a click, folded per link and day like the other dimensions.
const DAY = { from: "2026-11-26", to: "2026-11-26" };
const FROM = "2026-11-26T10:30:00.000Z";

const berlin = { country: "DE", region: "Berlin", city: "Berlin" } as const;
const munich = { country: "DE", region: "Bavaria", city: "Munich" } as const;
const springfieldIl = { country: "US", region: "Illinois", city: "Springfield" } as const;
const springfieldMo = { country: "US", region: "Missouri", city: "Springfield" } as const;

/** Human clicks of one link (index 0), each a distinct visitor. */
const clicks = (n: number, click: Omit<BatchClick, "link" | "visitor">, tag: string): BatchClick[] =>
  Array.from({ length: n }, (_, i) => ({ link: 0, visitor: `${tag}${i}`, agent: UA.safariMac, ms: i, ...click }));

function linkClickedV2(target: { teamId: string; linkId: string }, trigger: "qr" | "link", rule: number | null): EventOf<"LinkClicked"> {
  const sample = structuredClone(sampleEvents["LinkClicked.v2"]);
  return linkEventSchema.parse({
    ...sample,
    id: newEventId(),
    teamId: target.teamId,
    subject: target.linkId,
    occurredAt: "2026-11-26T11:00:00.000Z",
    data: { ...sample.data, linkId: target.linkId, visitorHash: visitorHash(`single-${trigger}-${rule}`), trigger, rule },
  }) as EventOf<"LinkClicked">;
}

describe("stats of ClicksRecorded v2: QR scans, cities, regions, rules", () => {
  it("counts QR scans among human clicks, places as unambiguous keys, and clicks per matched rule, per link and team-wide", async () => {
    const teamId = newTeamId();
    const one = { teamId, linkId: newLinkId() };
    const two = { teamId, linkId: newLinkId() };
    const batch = clicksRecorded({
      version: 2,
      from: FROM,
      links: [one, two],
      clicks: [
        ...clicks(3, { ...berlin, qr: true, rule: 0 }, "a"),
        ...clicks(2, { ...munich, rule: 4 }, "b"),
        ...clicks(1, { ...springfieldIl, qr: true }, "c"),
        ...clicks(1, { ...springfieldMo }, "d"),
        // A city without a region, a region without a city, a country alone, nothing at all.
        ...clicks(1, { country: "FR", city: "Paris" }, "e"),
        ...clicks(1, { country: "AT", region: "Tyrol" }, "f"),
        ...clicks(1, { country: "NL" }, "g"),
        ...clicks(1, { country: null, region: "Somewhere", qr: true, rule: 19 }, "h"),
        // A human to the api, a bot to this Worker's isbot list: neither a scan nor a place.
        { link: 0, visitor: "crawler", agent: UA.googlebot, qr: true, rule: 1, ...berlin },
        // The other link: one scan that matched rule 0.
        { link: 1, visitor: "z", agent: UA.chromeAndroid, qr: true, rule: 0, ...berlin },
      ],
      bots: [[0, 4, 1]],
    });
    expect((await deliver([batch])).retryMessages).toEqual([]);

    const view = statsShape.parse(await stats.forLink({ ...one, ...DAY }));
    expect(view).toMatchObject({ clicks: 11, botClicks: 6, qrScans: 5 });
    expect(view.cities).toEqual([
      { key: "Berlin, Berlin, DE", clicks: 3 },
      { key: "unknown", clicks: 3 },
      { key: "Munich, Bavaria, DE", clicks: 2 },
      { key: "Paris, FR", clicks: 1 },
      { key: "Springfield, Illinois, US", clicks: 1 },
      { key: "Springfield, Missouri, US", clicks: 1 },
    ]);
    expect(view.regions).toEqual([
      { key: "Berlin, DE", clicks: 3 },
      { key: "Bavaria, DE", clicks: 2 },
      { key: "unknown", clicks: 2 },
      { key: "Illinois, US", clicks: 1 },
      { key: "Missouri, US", clicks: 1 },
      { key: "Somewhere", clicks: 1 },
      { key: "Tyrol, AT", clicks: 1 },
    ]);
    // Clicks that matched no rule (4 of them) are not listed.
    expect(view.rules).toEqual([
      { key: "0", clicks: 3 },
      { key: "4", clicks: 2 },
      { key: "19", clicks: 1 },
    ]);

    const team = statsShape.parse(await stats.forTeam({ teamId, ...DAY }));
    expect(team).toMatchObject({ clicks: 12, qrScans: 6 });
    expect(team.rules).toEqual([
      { key: "0", clicks: 4 },
      { key: "4", clicks: 2 },
      { key: "19", clicks: 1 },
    ]);
    expect(team.cities[0]).toEqual({ key: "Berlin, Berlin, DE", clicks: 4 });
  });

  it("counts a redelivered batch once, whatever the order batches arrive in", async () => {
    const spec = (target: { teamId: string; linkId: string }, tag: string, place: typeof berlin | typeof munich, rule: number) =>
      clicksRecorded({ version: 2, from: FROM, links: [target], clicks: clicks(10, { ...place, qr: true, rule }, tag) });
    const teamId = newTeamId();
    const inOrder = { teamId, linkId: newLinkId() };
    const reversed = { teamId, linkId: newLinkId() };
    const [a, b] = [spec(inOrder, "x", berlin, 1), spec(inOrder, "y", munich, 2)];
    const [c, d] = [spec(reversed, "x", berlin, 1), spec(reversed, "y", munich, 2)];
    expect((await deliver([a, b, a])).retryMessages).toEqual([]);
    expect((await deliver([b, a], 2)).retryMessages).toEqual([]);
    expect((await deliver([d, c])).retryMessages).toEqual([]);
    expect((await reportsOf(a.id, 3)).map((r) => r.duplicate)).toEqual([false, true, true]);

    const first = statsShape.parse(await stats.forLink({ ...inOrder, ...DAY }));
    const second = statsShape.parse(await stats.forLink({ ...reversed, ...DAY }));
    expect(first).toMatchObject({
      clicks: 20,
      qrScans: 20,
      rules: [
        { key: "1", clicks: 10 },
        { key: "2", clicks: 10 },
      ],
    });
    expect(first.cities).toEqual([
      { key: "Berlin, Berlin, DE", clicks: 10 },
      { key: "Munich, Bavaria, DE", clicks: 10 },
    ]);
    expect(second).toEqual(first);
  });

  it("folds v1 batches and LinkClicked v1 and v2 side by side: v1 is the link, no rule, no place", async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    const v1 = clicksRecorded({ from: FROM, links: [target], clicks: clicks(3, { country: "DE" }, "old") });
    expect(v1.version).toBe(1);
    const v2 = clicksRecorded({ version: 2, from: FROM, links: [target], clicks: clicks(2, { ...berlin, qr: true }, "new") });
    await deliver([v1, v2, linkClickedV2(target, "qr", 3), linkClickedV2(target, "link", null)]);

    const view = statsShape.parse(await stats.forLink({ ...target, ...DAY }));
    expect(view).toMatchObject({ clicks: 7, qrScans: 3, rules: [{ key: "3", clicks: 1 }] });
    // LinkClicked carries no place: its clicks count as unknown, like v1's.
    expect(view.cities).toEqual([
      { key: "unknown", clicks: 5 },
      { key: "Berlin, Berlin, DE", clicks: 2 },
    ]);
    const row = await env.ANALYTICS_DB.prepare("SELECT clicks, qr_scans FROM daily_clicks WHERE link_id = ?").bind(target.linkId).first();
    expect(row).toEqual({ clicks: 7, qr_scans: 3 });
  });

  it(`lists at most ${MAX_KEYS_PER_DIMENSION} cities, most clicked first`, async () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    const many = Array.from({ length: MAX_KEYS_PER_DIMENSION + 5 }, (_, i): BatchClick => ({
      link: 0,
      visitor: `m${i}`,
      country: "DE",
      city: `Town ${i}`,
      region: "Saxony",
    }));
    const top = clicks(3, { country: "DE", city: "Leipzig", region: "Saxony" }, "top");
    await deliver([clicksRecorded({ version: 2, from: FROM, links: [target], clicks: [...many, ...top] })]);
    const view = statsShape.parse(await stats.forLink({ ...target, ...DAY }));
    expect(view.cities).toHaveLength(MAX_KEYS_PER_DIMENSION);
    expect(view.cities[0]).toEqual({ key: "Leipzig, Saxony, DE", clicks: 3 });
    expect(view.regions).toEqual([{ key: "Saxony, DE", clicks: MAX_KEYS_PER_DIMENSION + 8 }]);
  });
});
