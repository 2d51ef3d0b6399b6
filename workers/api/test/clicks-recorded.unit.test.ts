import { describe, expect, it } from "vitest";
import { botCountsOf, clickRecordsOf, clicksRecordedV1, eventIdSchema, linkEventSchema, nthEventIdAfter, type ClicksRecorded } from "#events";
import { sampleEvents } from "#events/samples";

const sample = (): ClicksRecorded => clicksRecordedV1.parse(structuredClone(sampleEvents["ClicksRecorded.v1"]));

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
      },
      expect.objectContaining({ occurredAt: "2026-11-26T10:30:00.850Z", country: null, referrerHost: null, userAgent: null }),
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
    ["a link index out of range", (b: ClicksRecorded) => (b.data.clicks[0]![0] = 5)],
    ["an agent index out of range", (b: ClicksRecorded) => (b.data.clicks[0]![5] = 3)],
    ["a referrer index below -1", (b: ClicksRecorded) => (b.data.clicks[0]![4] = -2)],
    ["a click after the batch's end", (b: ClicksRecorded) => (b.data.clicks[1]![1] = 900)],
    ["a batch across midnight", (b: ClicksRecorded) => ((b.data.from = "2026-11-26T23:59:59.500Z"), (b.data.to = "2026-11-27T00:00:00.400Z"))],
    ["a bot count of zero", (b: ClicksRecorded) => (b.data.bots[0] = [0, 0, 0])],
    ["no clicks at all", (b: ClicksRecorded) => ((b.data.clicks = []), (b.data.bots = []))],
    ["an unknown field", (b: ClicksRecorded) => Object.assign(b.data, { ip: "203.0.113.9" })],
    ["a visitor hash that is not hex", (b: ClicksRecorded) => (b.data.clicks[0]![6] = "203.0.113.9")],
  ])("refuses %s", (_name, spoil) => {
    const batch = sample();
    spoil(batch);
    expect(clicksRecordedV1.safeParse(batch).success).toBe(false);
  });
});
