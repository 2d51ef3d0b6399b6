import { describe, expect, it } from "vitest";
import {
  botCountsOf,
  clickRecordsOf,
  clicksRecordedSchema,
  clicksRecordedV1,
  clicksRecordedV2,
  eventIdSchema,
  linkEventSchema,
  nthEventIdAfter,
  type ClicksRecordedV1,
  type ClicksRecordedV2,
} from "#events";
import { sampleEvents } from "#events/samples";

const sample = (): ClicksRecordedV1 => clicksRecordedV1.parse(structuredClone(sampleEvents["ClicksRecorded.v1"]));
const sampleV2 = (): ClicksRecordedV2 => clicksRecordedV2.parse(structuredClone(sampleEvents["ClicksRecorded.v2"]));

describe("ClicksRecorded v1 (the click topic's batch)", () => {
  it("parses its sample through the union every consumer uses", () => {
    expect(linkEventSchema.parse(sampleEvents["ClicksRecorded.v1"]).type).toBe("ClicksRecorded");
  });

  it("resolves each human click against the dictionaries, with a stable event id of its own", () => {
    const batch = sample();
    const records = clickRecordsOf(batch);
    expect(records).toEqual([
      {
        eventId: nthEventIdAfter(batch.id, 1),
        linkId: "lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC",
        teamId: "team_01JDQ8YX0Q4RZ8K2D5F7G9H1JK",
        slug: "launch",
        occurredAt: "2026-11-26T10:30:00.000Z",
        traceId: "5c1ad8e2f3a44b0c9d7e6f5a4b3c2d1e",
        country: "DE",
        referrerHost: "news.ycombinator.com",
        userAgent: batch.data.agents[0],
        visitorHash: "9f86d081884c7d659a2feaa0c55ad015",
        // What v1 cannot say: the link itself, no rule, no place.
        trigger: "link",
        rule: null,
        city: null,
        region: null,
      },
      expect.objectContaining({ occurredAt: "2026-11-26T10:30:00.850Z", country: null, referrerHost: null, userAgent: null, trigger: "link", rule: null }),
    ]);
    expect(clickRecordsOf(sample())).toEqual(records); // the same ids on a redelivery
    expect(botCountsOf(batch)).toEqual([
      { linkId: "lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC", teamId: "team_01JDQ8YX0Q4RZ8K2D5F7G9H1JK", slug: "launch", day: "2026-11-26", bots: 3, heads: 1 },
    ]);
  });

  it("derives distinct valid event ids, carrying across ULID digits", () => {
    const ids = Array.from({ length: 2000 }, (_, i) => nthEventIdAfter("evt_01JDQ9C0D1E2F3G4H5J6K7M8ZZ", i + 1));
    expect(new Set(ids).size).toBe(2000);
    for (const id of ids) expect(eventIdSchema.safeParse(id).success, id).toBe(true);
    expect(ids[0]).toBe("evt_01JDQ9C0D1E2F3G4H5J6K7M900");
    expect(ids.every((id) => id.slice(4, 14) === "01JDQ9C0D1")).toBe(true); // the time part never changes
  });

  it.each([
    ["a link index out of range", (b: ClicksRecordedV1) => (b.data.clicks[0]![0] = 5)],
    ["an agent index out of range", (b: ClicksRecordedV1) => (b.data.clicks[0]![5] = 3)],
    ["a referrer index below -1", (b: ClicksRecordedV1) => (b.data.clicks[0]![4] = -2)],
    ["a click after the batch's end", (b: ClicksRecordedV1) => (b.data.clicks[1]![1] = 900)],
    ["a batch across midnight", (b: ClicksRecordedV1) => ((b.data.from = "2026-11-26T23:59:59.500Z"), (b.data.to = "2026-11-27T00:00:00.400Z"))],
    ["a bot count of zero", (b: ClicksRecordedV1) => (b.data.bots[0] = [0, 0, 0])],
    ["no clicks at all", (b: ClicksRecordedV1) => ((b.data.clicks = []), (b.data.bots = []))],
    ["an unknown field", (b: ClicksRecordedV1) => Object.assign(b.data, { ip: "203.0.113.9" })],
    ["a visitor hash that is not hex", (b: ClicksRecordedV1) => (b.data.clicks[0]![6] = "203.0.113.9")],
  ])("refuses %s", (_name, spoil) => {
    const batch = sample();
    spoil(batch);
    expect(clicksRecordedV1.safeParse(batch).success).toBe(false);
  });
});

describe("ClicksRecorded v2 (trigger, rule and place per human click)", () => {
  it("parses its sample through the union every consumer uses, and the spool's union picks v2 by version", () => {
    expect(linkEventSchema.parse(sampleEvents["ClicksRecorded.v2"]).version).toBe(2);
    expect(clicksRecordedSchema.parse(sampleEvents["ClicksRecorded.v2"]).version).toBe(2);
    expect(clicksRecordedSchema.parse(sampleEvents["ClicksRecorded.v1"]).version).toBe(1);
    // A v2 batch is not a v1 batch, nor the reverse: each version has its own columns.
    expect(clicksRecordedV1.safeParse({ ...sampleV2(), version: 1 }).success).toBe(false);
    expect(clicksRecordedV2.safeParse({ ...sample(), version: 2 }).success).toBe(false);
  });

  it("resolves trigger, rule and place of each click; the v1 fields and ids as v1 resolves them", () => {
    const batch = sampleV2();
    const [scan, plain] = clickRecordsOf(batch);
    expect(scan).toEqual({
      ...clickRecordsOf(sample())[0],
      eventId: nthEventIdAfter(batch.id, 1),
      trigger: "qr",
      rule: 2,
      city: "Berlin",
      region: "Berlin",
    });
    expect(plain).toMatchObject({ trigger: "link", rule: null, city: null, region: null, country: null });
  });

  it.each([
    ["a place index out of range", (b: ClicksRecordedV2) => (b.data.clicks[0]![9] = 1)],
    ["a place index below -1", (b: ClicksRecordedV2) => (b.data.clicks[0]![9] = -2)],
    ["a rule index past the last rule", (b: ClicksRecordedV2) => (b.data.clicks[0]![8] = 20)],
    ["a rule index below -1", (b: ClicksRecordedV2) => (b.data.clicks[0]![8] = -2)],
    ["a trigger flag other than 0 or 1", (b: ClicksRecordedV2) => Object.assign(b.data.clicks[0]!, { 7: 2 })],
    ["a click without the v2 columns", (b: ClicksRecordedV2) => Object.assign(b.data, { clicks: b.data.clicks.map((c) => c.slice(0, 7)) })],
    ["a place of neither region nor city", (b: ClicksRecordedV2) => (b.data.places[0] = [null, null])],
    ["a place name with a control character", (b: ClicksRecordedV2) => (b.data.places[0] = ["Berlin", "Ber\u0000lin"])],
    ["a place name over 100 characters", (b: ClicksRecordedV2) => (b.data.places[0] = ["Berlin", "x".repeat(101)])],
    ["an empty place name", (b: ClicksRecordedV2) => (b.data.places[0] = ["", "Berlin"])],
    ["no places dictionary", (b: ClicksRecordedV2) => Reflect.deleteProperty(b.data, "places")],
    ["a link index out of range (as v1)", (b: ClicksRecordedV2) => (b.data.clicks[0]![0] = 5)],
  ])("refuses %s", (_name, spoil) => {
    const batch = sampleV2();
    spoil(batch);
    expect(clicksRecordedV2.safeParse(batch).success).toBe(false);
  });
});
