import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { configOf } from "../src/config";
import { estimatedBits, secretProblem } from "../../shared/secret-strength";
import { ADMIN, api, createLink, createTeam, json, waitForClicks } from "./helpers";

const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

async function visitorHashOf(linkId: string): Promise<string> {
  const [click] = await waitForClicks((c) => c.linkId === linkId);
  if (!click) throw new Error("no click");
  return click.visitorHash;
}

describe("visitor hashes (issue 11.4)", () => {
  it("differ for the same person on two teams' links, and match on two links of one team", async () => {
    const [a, b] = [await createTeam("Hash A"), await createTeam("Hash B")];
    const [a1, a2, b1] = [
      await createLink(a, { url: "https://example.com/a1" }),
      await createLink(a, { url: "https://example.com/a2" }),
      await createLink(b, { url: "https://example.com/b1" }),
    ];
    const visitor = { "cf-connecting-ip": "198.51.100.23", "user-agent": BROWSER_UA };
    for (const link of [a1, a2, b1]) expect((await api(`/${link.slug}`, { headers: visitor })).status).toBe(302);
    const [ha1, ha2, hb1] = [await visitorHashOf(a1.id), await visitorHashOf(a2.id), await visitorHashOf(b1.id)];
    // Same UTC day for the three clicks, except across midnight, where every hash differs anyway.
    expect(ha1).toBe(ha2);
    expect(hb1).not.toBe(ha1);
  });
});

describe("secrets refused at startup (issue 11.9)", () => {
  const placeholder = "replace-with-a-long-random-string"; // .dev.vars.example's value

  it("refuses .dev.vars.example's placeholder and low-entropy values, naming the var and never the value", () => {
    for (const value of [
      placeholder,
      "changeme-changeme-changeme",
      "aaaaaaaaaaaaaaaaaaaaaaaa",
      "abababababababababababab",
      "0123456789abcdefghij",
      "your-secret-here-0000",
    ]) {
      const problem = secretProblem("ADMIN_TOKEN", value);
      expect(problem, value).toMatch(/^ADMIN_TOKEN /);
      expect(problem).not.toContain(value);
    }
    const random = "k7Qw2Zp9Lx4Rt1Vb8Nc3Md6Fg0Hj5Ys";
    expect(secretProblem("ADMIN_TOKEN", random)).toBeNull();
    expect(estimatedBits(random)).toBeGreaterThan(64);
  });

  it("makes the Worker's config refuse to parse with a clear error", () => {
    expect(() => configOf({ ...env, ADMIN_TOKEN: placeholder })).toThrow(/ADMIN_TOKEN is a placeholder/);
    expect(() => configOf({ ...env, FEED_TOKEN_SECRET: "x".repeat(40) })).toThrow(/FEED_TOKEN_SECRET has too little entropy/);
    expect(() => configOf({ ...env, VISITOR_HASH_SECRET: "short" })).toThrow(/VISITOR_HASH_SECRET must be at least 16/);
    expect(configOf(env).ADMIN_TOKEN).toBe(env.ADMIN_TOKEN);
  });
});

describe("cache-control on team data (issue 11.11)", () => {
  it("is no-store on every API answer with team data, errors included", async () => {
    const team = await createTeam("No store");
    const link = await createLink(team, { url: "https://example.com/no-store" });
    const answers = [
      await api("/v1/links", { headers: team.auth }),
      await api(`/v1/links/${link.id}`, { headers: team.auth }),
      await api("/v1/links", json({ url: "https://example.com/created" }, team.auth)),
      await api(`/v1/links/${link.id}/stats`, { headers: team.auth }),
      await api("/v1/usage", { headers: team.auth }),
      await api("/v1/events", { headers: team.auth }),
      await api("/v1/webhooks", { headers: team.auth }),
      await api("/v1/links/lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC", { headers: team.auth }),
      await api("/v1/links", { headers: { authorization: "Bearer lf_wrong" } }),
      await api(`/v1/admin/teams/${team.id}/keys`, json({ name: "k" }, ADMIN)),
    ];
    for (const res of answers) expect(res.headers.get("cache-control"), `${res.url} ${res.status}`).toBe("no-store");
  });
});
