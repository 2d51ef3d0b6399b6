// Targeting rules (workers/api/src/redirect/rule-agent.ts) and the analytics consumer's stats
// (workers/consumers/analytics/src/click-facts.ts) read a User-Agent with the same parser and must
// agree on what device and OS it is: a rule for "mobile" catches exactly the clicks the stats call
// mobile. The two Workers cannot import each other, so this Node-side test holds them in step.
import { describe, expect, it } from "vitest";
import { clickClassifier } from "../../workers/consumers/analytics/src/click-facts";
import { OTHER, deviceClassOf, ruleAgentOf, ruleOsOf } from "../../workers/api/src/redirect/rule-agent";
import { BROWSER_AGENTS, PREVIEW_CRAWLER_AGENTS } from "../support/user-agents";

const ruleDevices = new Set(["mobile", "tablet", "desktop"]);

describe("targeting rules and analytics read a User-Agent alike", () => {
  it.each(BROWSER_AGENTS)("$name: $device on $os", ({ ua, device, os }) => {
    const stats = clickClassifier()({ userAgent: ua, country: null, referrerHost: null });
    const rule = ruleAgentOf(ua);
    expect(rule).toEqual({ device, os });
    // The stats' device class is the rule's (or a class no rule can name), and their OS name maps to the rule's OS.
    expect(ruleDevices.has(stats.device) ? stats.device : OTHER).toBe(rule.device);
    expect(ruleOsOf(stats.os === "unknown" ? undefined : stats.os)).toBe(rule.os);
  });

  it("crawlers and agents without an OS are no device a rule names", () => {
    for (const [, ua] of PREVIEW_CRAWLER_AGENTS) expect(ruleAgentOf(ua).device === "desktop" || ruleAgentOf(ua).device === OTHER, ua).toBe(true);
    expect(ruleAgentOf("")).toEqual({ device: OTHER, os: OTHER });
  });

  it("the desktop rule is the analytics consumer's: a known OS without a device type", () => {
    expect(deviceClassOf(undefined, "Windows")).toBe("desktop");
    expect(deviceClassOf(undefined, undefined)).toBe("unknown");
    expect(deviceClassOf("mobile", "iOS")).toBe("mobile");
  });
});
