import { describe, expect, it } from "vitest";
import { clickRecordsOf, clicksRecordedV1, clicksRecordedV2, linkClickedV1, linkClickedV2, nthEventIdAfter, type ClicksRecordedV2 } from "#events";
import { sampleEvents } from "#events/samples";
import { linkClickedOf } from "../src/click-webhooks";
import { webhookBody } from "../src/event-names";
import { newEventId } from "../../../../test/support/event-fixtures";
import { createEndpoint, publish, teamId, waitForReceived } from "./helpers";

// link.clicked is LinkClicked v2: each webhook says how the visitor came (`trigger`: "qr" for
// a scan of the QR code, else "link") and which targeting rule chose the destination (`rule`:
// its index, or null); a click of a v1 batch says "link" and null. The place travels in the
// batch, not in the webhook.

describe("link.clicked bodies (LinkClicked v2)", () => {
  it("turns a v1 batch's first click into the sample LinkClicked as v2 (trigger link, no rule), under the click's derived id", () => {
    const batch = clicksRecordedV1.parse(sampleEvents["ClicksRecorded.v1"]);
    const single = linkClickedV1.parse(sampleEvents["LinkClicked.v1"]);
    const [first, second] = clickRecordsOf(batch).map(linkClickedOf);
    expect(first).toEqual({ ...single, version: 2, id: nthEventIdAfter(batch.id, 1), data: { ...single.data, trigger: "link", rule: null } });
    // The bytes a receiver got from the click's own LinkClicked, the two new fields appended (the id travels as webhook-id, not in the body).
    expect(webhookBody(linkClickedV2.parse(first))).toBe(webhookBody(single).replace(/}}$/, ',"trigger":"link","rule":null}}'));
    expect(linkClickedV2.parse(second).data).toMatchObject({ country: null, referrerHost: null, userAgent: null, bot: false, method: "GET" });
  });

  it("turns the v2 sample batch's first click into the v2 sample LinkClicked (a QR scan that matched rule 2)", () => {
    const batch = clicksRecordedV2.parse(sampleEvents["ClicksRecorded.v2"]);
    const single = linkClickedV2.parse(sampleEvents["LinkClicked.v2"]);
    const [first, second] = clickRecordsOf(batch).map(linkClickedOf);
    expect(first).toEqual({ ...single, id: nthEventIdAfter(batch.id, 1) });
    expect(webhookBody(linkClickedV2.parse(first))).toBe(webhookBody(single));
    expect(linkClickedV2.parse(second).data).toMatchObject({ trigger: "link", rule: null, country: null });
  });

  it("sends each click's trigger and rule in its signed webhook body", async () => {
    const team = teamId();
    await createEndpoint(team, "https://hooks.example.com/ok/v2-clicks", ["link.clicked"]);
    const sample = clicksRecordedV2.parse(structuredClone(sampleEvents["ClicksRecorded.v2"]));
    const batch: ClicksRecordedV2 = clicksRecordedV2.parse({
      ...sample,
      id: newEventId(),
      teamId: team,
      data: {
        ...sample.data,
        links: [{ ...sample.data.links[0], teamId: team }],
        clicks: [
          [0, 0, "1".repeat(32), "DE", 0, 0, "a".repeat(32), 1, 2, 0],
          [0, 100, "2".repeat(32), "DE", 0, 0, "b".repeat(32), 0, 19, 0],
          [0, 200, "3".repeat(32), null, -1, -1, "c".repeat(32), 1, -1, -1],
          [0, 300, "4".repeat(32), null, -1, -1, "d".repeat(32), 0, -1, -1],
        ],
      },
    });
    await publish([batch]);
    const got = await waitForReceived("/ok/v2-clicks", 4);
    const byId = new Map(got.map((r) => [r.headers["webhook-id"], JSON.parse(r.body) as { type: string; data: { trigger: string; rule: number | null } }]));
    const expected: [string, number | null][] = [
      ["qr", 2],
      ["link", 19],
      ["qr", null],
      ["link", null],
    ];
    expected.forEach(([trigger, rule], i) => {
      const body = byId.get(nthEventIdAfter(batch.id, i + 1));
      expect(body?.type).toBe("link.clicked");
      expect(body?.data).toMatchObject({ trigger, rule });
    });
  });
});
