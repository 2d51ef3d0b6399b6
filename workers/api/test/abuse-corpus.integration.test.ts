import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { BASE, createTeam, errorShape, tableCounts, waitForOutboxQuiet, type TestTeam } from "./helpers";
import { ABUSE_GROUPS, type AbuseCase } from "./abuse-cases";

// Issue 11's abuse corpus: what an outsider or a hostile tenant sends, as in the attack on the
// running stack: hostile destinations and slugs, redirect paths, auth and other headers, feed
// tokens and admin credentials. Every case must get a 4xx JSON error (never a 500) and leave
// every table as it was. Each case comes from its own client address, so the per-address limits
// on failed authentication (which answer 429, also a refusal) do not decide what a case sees.

let team: TestTeam;
let address = 0;

function send(c: AbuseCase): Promise<Response> {
  const headers: Record<string, string> = { "cf-connecting-ip": `198.18.${Math.floor(address / 250)}.${(address++ % 250) + 1}`, ...c.headers };
  let body: string | undefined;
  if (c.body !== undefined) {
    body = typeof c.body === "string" ? c.body : JSON.stringify(c.body);
    headers["content-type"] ??= "application/json";
  }
  return exports.default.fetch(
    new Request(`${c.origin ?? BASE}${c.path}`, { method: c.method ?? (body === undefined ? "GET" : "POST"), headers, body, redirect: "manual" }),
  );
}

async function expectRefusedUnchanged(c: AbuseCase): Promise<void> {
  const before = await tableCounts();
  const res = await send(c);
  if (res.status < 300) await waitForOutboxQuiet();
  expect(res.status, `${c.name}: never a 500`).toBeLessThan(500);
  expect(c.statuses, `${c.name}: answered ${res.status}`).toContain(res.status);
  const text = await res.text();
  if (res.status !== 405 && res.headers.get("content-type")?.includes("json"))
    expect(errorShape.safeParse(JSON.parse(text)).success, `${c.name}: ${text}`).toBe(true);
  expect(await tableCounts(), `${c.name}: nothing written`).toEqual(before);
}

describe("abuse corpus (issue 11): 4xx, never 500, nothing written", () => {
  let other: string;
  let own: string;
  beforeAll(async () => {
    team = await createTeam("Abuse target");
    const rival = await createTeam("Rival");
    const ownLink = await exports.default.fetch(
      new Request(`${BASE}/v1/links`, {
        method: "POST",
        headers: { ...team.auth, "content-type": "application/json" },
        body: JSON.stringify({ url: "https://example.com/own" }),
      }),
    );
    const otherLink = await exports.default.fetch(
      new Request(`${BASE}/v1/links`, {
        method: "POST",
        headers: { ...rival.auth, "content-type": "application/json" },
        body: JSON.stringify({ url: "https://example.com/theirs" }),
      }),
    );
    own = ((await ownLink.json()) as { id: string }).id;
    other = ((await otherLink.json()) as { id: string }).id;
    await waitForOutboxQuiet();
  });

  const groups = ABUSE_GROUPS;

  it("has at least 150 cases", () => {
    expect(groups.reduce((n, [, make]) => n + make({}).length, 0)).toBeGreaterThanOrEqual(150);
  });

  for (const [group, make] of groups) {
    it(`${group}`, async () => {
      for (const c of make(team.auth)) await expectRefusedUnchanged({ ...c, path: c.path.replace("{other}", other).replace("{own}", own) });
    });
  }
});
