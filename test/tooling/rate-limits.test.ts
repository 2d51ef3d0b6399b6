// wrangler.toml's Rate Limiting bindings are the production limits the api Worker states in its
// RateLimit headers (RATE_LIMIT_RULES) and README "Limits" lists per plan (PLAN_LIMITS): one
// changed without the other would make the headers (and the README) lie.
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { overlayToml } from "../../scripts/lib/config-overlay.mjs";
import { limitsMultiplier, scaleRateLimits } from "../../scripts/lib/rate-limits.mjs";
import { LOCAL_VARS, ROOT } from "../../scripts/stack.mjs";
import { PLAN_LIMITS } from "../../workers/api/src/limits/plan-limits";
import { RATE_LIMIT_RULES } from "../../workers/api/src/limits/rate-limit-rules";

interface RateLimitBinding {
  name: string;
  namespace_id: string;
  simple: { limit: number; period: number };
}

const text = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
const config = parse(text) as { vars?: Record<string, string>; ratelimits?: RateLimitBinding[] };
const bindings = config.ratelimits ?? [];

describe("wrangler.toml [[ratelimits]]", () => {
  it("has exactly the bindings of RATE_LIMIT_RULES, each with its rule's limit and period", () => {
    expect(bindings.map((b) => b.name).sort()).toEqual(Object.keys(RATE_LIMIT_RULES).sort());
    for (const binding of bindings) {
      const rule = RATE_LIMIT_RULES[binding.name as keyof typeof RATE_LIMIT_RULES];
      expect({ name: binding.name, ...binding.simple }).toEqual({ name: binding.name, limit: rule.limit, period: rule.periodSeconds });
    }
    expect(new Set(bindings.map((b) => b.namespace_id)).size).toBe(bindings.length);
  });

  it("limits API requests per key as PLAN_LIMITS.requestsPerMinute says, per minute", () => {
    const byName = new Map(bindings.map((b) => [b.name, b.simple]));
    expect(byName.get("RL_API_FREE")).toEqual({ limit: PLAN_LIMITS.free.requestsPerMinute, period: 60 });
    expect(byName.get("RL_API_PRO")).toEqual({ limit: PLAN_LIMITS.pro.requestsPerMinute, period: 60 });
  });

  it("binds the same limits in the edge Worker, which counts link password guesses too (same namespace, limit and period)", () => {
    const edge = parse(readFileSync(path.join(ROOT, "workers/api/edge/wrangler.toml"), "utf8")) as { ratelimits?: RateLimitBinding[] };
    const edgeBindings = edge.ratelimits ?? [];
    expect(edgeBindings.map((b) => b.name)).toEqual(["RL_GUESSES"]);
    for (const binding of edgeBindings) expect(binding).toEqual(bindings.find((b) => b.name === binding.name));
  });

  it("ships LIMITS_MULTIPLIER = 1: production runs the production limits", () => {
    expect(config.vars?.["LIMITS_MULTIPLIER"]).toBe("1");
  });
});

describe("the local stack's override", () => {
  it("raises every limit by LOCAL_VARS.LIMITS_MULTIPLIER in the overlay configs, periods unchanged", () => {
    const factor = limitsMultiplier(LOCAL_VARS);
    expect(factor).toBeGreaterThanOrEqual(100);
    const overlay = overlayToml(text, LOCAL_VARS, factor) as unknown as { vars: Record<string, string>; ratelimits: RateLimitBinding[] };
    expect(overlay.vars["LIMITS_MULTIPLIER"]).toBe(String(factor));
    expect(overlay.ratelimits).toEqual(bindings.map((b) => ({ ...b, simple: { limit: b.simple.limit * factor, period: b.simple.period } })));
  });

  it("leaves the limits alone at 1 and refuses a multiplier the Worker would refuse", () => {
    expect(scaleRateLimits(bindings, 1)).toBe(bindings);
    expect(limitsMultiplier({})).toBe(1);
    for (const nonsense of ["0", "1.5", "-2", "x", "1000000"]) expect(() => limitsMultiplier({ LIMITS_MULTIPLIER: nonsense })).toThrow(/LIMITS_MULTIPLIER/);
  });
});
