import { describe, expect, it } from "vitest";
import { retryDelaySeconds } from "../backoff";

describe("retryDelaySeconds", () => {
  it("doubles the ceiling per attempt, with jitter between half and all of it, up to the cap", () => {
    expect(retryDelaySeconds(1, 2, 600, () => 0)).toBe(1);
    expect(retryDelaySeconds(1, 2, 600, () => 1)).toBe(2);
    expect(retryDelaySeconds(4, 2, 600, () => 0)).toBe(8);
    expect(retryDelaySeconds(4, 2, 600, () => 1)).toBe(16);
    expect(retryDelaySeconds(30, 2, 600, () => 1)).toBe(600);
    expect(retryDelaySeconds(30, 2, 600, () => 0)).toBe(300);
  });

  it("spreads a burst of retries", () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelaySeconds(6)));
    expect(delays.size).toBeGreaterThan(5);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(32);
      expect(d).toBeLessThanOrEqual(64);
    }
  });
});
