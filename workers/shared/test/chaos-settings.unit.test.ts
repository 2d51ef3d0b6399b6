import { afterEach, describe, expect, it, vi } from "vitest";
import { chaosOf, parseChaos, strikes } from "../chaos";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the CHAOS var", () => {
  it("accepts every field, each optional, and parses the window's instants", () => {
    expect(parseChaos("{}")).toEqual({});
    const settings = parseChaos(
      JSON.stringify({
        consumerFailureRate: 0.2,
        queueSendFailureRate: 1,
        d1WriteFailure: { from: "2026-01-01T00:00:00Z", to: "2026-01-01T02:05:00.000+01:00", subscribers: ["analytics"] },
      }),
    );
    expect(settings).toEqual({
      consumerFailureRate: 0.2,
      queueSendFailureRate: 1,
      d1WriteFailure: { from: new Date("2026-01-01T00:00:00Z"), to: new Date("2026-01-01T01:05:00Z"), subscribers: ["analytics"] },
    });
  });

  it.each([
    ["not JSON", "consumerFailureRate=1", /invalid CHAOS: not JSON/],
    ["a rate above 1", '{"consumerFailureRate": 1.5}', /consumerFailureRate/],
    ["a negative rate", '{"queueSendFailureRate": -0.1}', /queueSendFailureRate/],
    ["a rate as a string", '{"queueSendFailureRate": "0.5"}', /queueSendFailureRate/],
    ["an unknown field (a typo)", '{"consumerFailRate": 0.5}', /consumerFailRate/],
    ["a window without its end", '{"d1WriteFailure": {"from": "2026-01-01T00:00:00Z"}}', /d1WriteFailure\.to/],
    ["a window that is not a datetime", '{"d1WriteFailure": {"from": "yesterday", "to": "2026-01-01T00:00:00Z"}}', /d1WriteFailure\.from/],
    [
      "a window ending before it starts",
      '{"d1WriteFailure": {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}}',
      /from must be before to[\s\S]*d1WriteFailure\.to/,
    ],
    ["an unknown window field", '{"d1WriteFailure": {"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z", "subscriber": "qr"}}', /subscriber/],
    ["an array", "[]", /invalid CHAOS/],
  ])("refuses %s, naming the field", (_what, raw, message) => {
    expect(() => parseChaos(raw)).toThrow(message);
  });

  it("is off when absent or empty, and refuses a value that is not a string", () => {
    expect(chaosOf({})).toBeNull();
    expect(chaosOf({ CHAOS: "" })).toBeNull();
    expect(chaosOf(undefined)).toBeNull();
    expect(() => chaosOf({ CHAOS: { consumerFailureRate: 1 } })).toThrow(/invalid CHAOS: must be a JSON string/);
    expect(() => chaosOf({ CHAOS: '{"consumerFailureRate": 2}' })).toThrow(/consumerFailureRate/);
  });

  it("logs one `chaos faults on` warning per value, with the parsed settings, and parses it once", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const raw = JSON.stringify({ queueSendFailureRate: 0.125 });
    const first = chaosOf({ CHAOS: raw }, "api");
    expect(chaosOf({ CHAOS: raw }, "api")).toBe(first);
    const lines = warn.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>).filter((l) => l.msg === "chaos faults on");
    expect(lines).toEqual([{ level: "warn", msg: "chaos faults on", worker: "api", chaos: { queueSendFailureRate: 0.125 } }]);
  });
});

describe("strikes", () => {
  it("never strikes at rate 0 and always at rate 1, whatever the draw", () => {
    for (const draw of [0, 0.5, 0.999999]) {
      expect(strikes(0, () => draw)).toBe(false);
      expect(strikes(1, () => draw)).toBe(true);
    }
    const draws = Array.from({ length: 1000 }, () => [strikes(0), strikes(1)]);
    expect(draws.every(([never, always]) => never === false && always === true)).toBe(true);
  });

  it("strikes the draws below the rate: a quarter of evenly spread draws at rate 0.25", () => {
    const evenly = Array.from({ length: 100 }, (_, i) => i / 100);
    expect(evenly.filter((draw) => strikes(0.25, () => draw))).toHaveLength(25);
  });
});
