import { describe, expect, it } from "vitest";
import { linkClicked, linkCreated, newLinkId, newTeamId, visitorHash } from "../../../../test/support/event-fixtures";
import { rollUp } from "../src/rollup";
import { deliver, stats, UA } from "./helpers";

const DAY = { from: "2026-11-26", to: "2026-11-26" };

describe("roll-up: one upsert per key per batch", () => {
  it("sums 100 clicks on one link and day into one day row, one row per dimension value and one row per visitor", () => {
    const target = { teamId: newTeamId(), linkId: newLinkId() };
    const clicks = Array.from({ length: 100 }, (_, i) =>
      linkClicked(target, { visitorHash: visitorHash(`v${i % 10}`), userAgent: i % 2 ? UA.safariMac : UA.chromeAndroid }),
    );
    const rollup = rollUp([linkCreated(target), ...clicks]);
    expect(rollup.links).toEqual([[target.linkId, target.teamId, "launch", "2026-11-26T10:00:00.000Z", null]]);
    expect(rollup.days).toEqual([[target.linkId, "2026-11-26", target.teamId, 100, 0, 0]]);
    // country, referrer: one value each; device, browser, os: two each; no rule.
    expect(rollup.dimensions).toHaveLength(8);
    expect(rollup.dimensions.reduce((sum, row) => sum + row[5], 0)).toBe(500);
    // LinkClicked carries no place: one row, city and region unknown.
    expect(rollup.places).toEqual([[target.linkId, "2026-11-26", "unknown", "unknown", 100]]);
    expect(rollup.visitors).toHaveLength(10);
  });

  it("lands a full batch of 100 clicks on 100 links (one bound parameter per statement, whatever the size)", async () => {
    const teamId = newTeamId();
    const targets = Array.from({ length: 100 }, () => ({ teamId, linkId: newLinkId() }));
    const result = await deliver(targets.map((t, i) => linkClicked(t, { visitorHash: visitorHash(`w${i}`), referrerHost: `site${i}.example` })));
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(100);
    const team = await stats.forTeam({ teamId, ...DAY });
    expect(team).toMatchObject({ clicks: 100, uniqueVisitors: 100, botClicks: 0 });
    expect(team.referrers).toHaveLength(100);
    expect((await stats.forLink({ ...targets[42], ...DAY }))?.referrers).toEqual([{ key: "site42.example", clicks: 1 }]);
  });
});
