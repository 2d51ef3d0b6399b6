// Link controls in bulk creates, in the OpenAPI document, and a bad password never echoed back.
import { describe, expect, it } from "vitest";
import { api, createTeam, eventRowsFor, expectError, expectLink, json, tableCounts, waitForEvents, waitForOutboxQuiet, type LinkBody } from "./helpers";
import { CONTROLS, PASSWORD, SHOWN, UNSET, expectNoSecret } from "./link-controls-support";

describe("link controls in bulk", () => {
  it("creates items with controls, refuses a bad item by its path, and never shows a password", async () => {
    const team = await createTeam();
    const before = await tableCounts();
    const res = await api(
      "/v1/links/bulk",
      json(
        {
          links: [
            { url: "https://example.com/b0", ...CONTROLS },
            { url: "https://example.com/b1", rules: [{ when: { country: ["fr"] }, url: "https://lf.test/loop" }] },
            { url: "https://example.com/b2", og: { title: "x".repeat(201) } },
            { url: "https://example.com/b3", maxClicks: 7, password: "1234" },
          ],
        },
        team.auth,
      ),
    );
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain("pbkdf2");
    const { results } = JSON.parse(text) as {
      results: ({ ok: true; link: LinkBody } | { ok: false; error: { code: string; issues?: { path: string }[] } })[];
    };
    expect(results.map((r) => r.ok)).toEqual([true, false, false, true]);
    const [a, b, c, d] = results;
    expect(a?.ok && expectLink(a.link)).toMatchObject(SHOWN);
    expect(!b?.ok && b?.error.issues?.map((i) => i.path)).toEqual(["rules.0.url"]);
    expect(!c?.ok && c?.error.issues?.map((i) => i.path)).toEqual(["og.title"]);
    expect(d?.ok && d.link).toMatchObject({ ...UNSET, passwordProtected: true, maxClicks: 7 });
    expect((await tableCounts())["links"]).toBe((before["links"] ?? 0) + 2);
    if (a?.ok) {
      const [event] = await waitForEvents((e) => e.type === "LinkCreated" && e.subject === a.link.id);
      expect(event?.version).toBe(3);
      await expectNoSecret(JSON.stringify(event), a.link.id);
      await expectNoSecret((await eventRowsFor(a.link.id))[0]?.envelope ?? "", a.link.id);
    }
  });

  it("a bulk of only bad items writes nothing", async () => {
    const team = await createTeam();
    await waitForOutboxQuiet();
    const before = await tableCounts();
    const res = await api(
      "/v1/links/bulk",
      json(
        {
          links: [
            { url: "https://example.com/x", expiredUrl: "javascript:alert(1)" },
            { url: "https://example.com/y", utm: { source: "a\u202eb" } },
            { url: "https://example.com/z", rules: Array.from({ length: 21 }, () => ({ when: { os: ["linux"] }, url: "https://example.com/" })) },
          ],
        },
        team.auth,
      ),
    );
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: { ok: boolean; error?: { issues?: { path: string }[] } }[] };
    expect(results.map((r) => r.error?.issues?.[0]?.path)).toEqual(["expiredUrl", "utm.source", "rules"]);
    expect(await tableCounts()).toEqual(before);
  });
});

describe("OpenAPI", () => {
  it("describes every control on CreateLink, UpdateLink and Link (password write-only)", async () => {
    const doc = (await (await api("/openapi.json")).json()) as { components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    const { CreateLink, UpdateLink, Link } = doc.components.schemas;
    for (const field of ["password", "expiredUrl", "maxClicks", "rules", "utm", "og"]) {
      expect(CreateLink?.properties, field).toHaveProperty(field);
      expect(UpdateLink?.properties, field).toHaveProperty(field);
    }
    for (const field of ["passwordProtected", "expiredUrl", "maxClicks", "rules", "utm", "og"]) expect(Link?.properties, field).toHaveProperty(field);
    expect(Link?.properties).not.toHaveProperty("password");
    expect(CreateLink?.properties?.["password"]).toMatchObject({ writeOnly: true, minLength: 4, maxLength: 128 });
  });
});

describe("a bad password is not echoed", () => {
  it("in the 400", async () => {
    const team = await createTeam();
    const secret = `${"s".repeat(128)}!`;
    const res = await api("/v1/links", json({ url: "https://example.com/p", password: secret }, team.auth));
    const error = await expectError(res.clone(), 400, "invalid_request");
    expect(error.issues?.map((i) => i.path)).toEqual(["password"]);
    expect(await res.text()).not.toContain(secret);
  });
});
