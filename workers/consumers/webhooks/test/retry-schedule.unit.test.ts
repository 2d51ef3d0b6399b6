import { describe, expect, it } from "vitest";
import { MAX_ATTEMPTS, nextDelaySeconds, parseRetryAfter, RETRY_SCHEDULE_SECONDS } from "../src/retry-schedule";

describe("retry schedule", () => {
  it("follows 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h with ±20 % jitter, then gives up", () => {
    expect(RETRY_SCHEDULE_SECONDS).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    RETRY_SCHEDULE_SECONDS.forEach((base, i) => {
      expect(nextDelaySeconds(i + 1, null, () => 0)).toBe(Math.max(1, Math.round(base * 0.8)));
      expect(nextDelaySeconds(i + 1, null, () => 1)).toBe(Math.round(base * 1.2));
    });
    expect(MAX_ATTEMPTS).toBe(8);
    expect(nextDelaySeconds(8, null)).toBeNull();
    expect(nextDelaySeconds(8, 10)).toBeNull();
  });

  it("lets Retry-After decide the delay, within 1 s and the queue's 12 h", () => {
    expect(nextDelaySeconds(1, 120)).toBe(120);
    expect(nextDelaySeconds(1, 0)).toBe(1);
    expect(nextDelaySeconds(2, 10 ** 7)).toBe(43200);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = new Date("2026-11-26T12:00:00Z");
    expect(parseRetryAfter("30", now)).toBe(30);
    expect(parseRetryAfter("Thu, 26 Nov 2026 12:01:00 GMT", now)).toBe(60);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
