// Link controls (README "Link controls"): password, expiredUrl, maxClicks, rules, utm, og are
// stored, returned, carried by LinkCreated v3 / LinkUpdated v2, and removed with null. The
// password is write-only: never in a response, an event or its outbox row. What the redirect
// does with them: redirect-password, redirect-click-cap and targeting tests.
import { describe, expect, it } from "vitest";
import { linkEventSchema, type EventOf } from "#events";
import { verifyLinkPassword } from "../src/links/link-password";
import { api, createLink, createTeam, eventRowsFor, expectLink, json, tableCounts, waitForEvents, waitForOutboxQuiet, type LinkBody } from "./helpers";
import { CONTROLS, PASSWORD, SHOWN, UNSET, expectNoSecret, get, passwordHashOf, patch } from "./link-controls-support";

describe("link controls on create", () => {
  it("stores and returns each field (normalised), shows passwordProtected, never the password", async () => {
    const team = await createTeam();
    const res = await api("/v1/links", json({ url: "https://example.com/launch", ...CONTROLS }, team.auth));
    const text = await res.text();
    expect(res.status, text).toBe(201);
    const link = expectLink(JSON.parse(text));
    expect(link).toMatchObject(SHOWN);
    expect(await get(team, link.id)).toEqual(link);
    await expectNoSecret(text, link.id);

    // The row keeps a PBKDF2 hash the password verifies against.
    const hash = await passwordHashOf(link.id);
    expect(hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(await verifyLinkPassword(hash ?? "", PASSWORD)).toBe(true);
    expect(await verifyLinkPassword(hash ?? "", "wrong")).toBe(false);

    // LinkCreated v3 carries the controls, not the password, in the outbox row and on the queue.
    const [row] = await eventRowsFor(link.id);
    expect(row?.type).toBe("LinkCreated");
    await expectNoSecret(row?.envelope ?? "", link.id);
    const envelope = linkEventSchema.parse(JSON.parse(row?.envelope ?? "{}")) as EventOf<"LinkCreated">;
    expect(envelope.version).toBe(3);
    const { shortUrl: _s, ...snapshot } = link;
    expect(envelope.data.link).toEqual(snapshot);
    const [sent] = await waitForEvents((e) => e.type === "LinkCreated" && e.subject === link.id);
    expect(sent).toEqual(envelope);
    await expectNoSecret(JSON.stringify(sent), link.id);

    // And the list shows the same.
    const list = (await (await api("/v1/links?limit=1", { headers: team.auth })).json()) as { data: LinkBody[] };
    expect(list.data[0]).toEqual(link);
    await expectNoSecret(JSON.stringify(list), link.id);
  });

  it("leaves every control unset when none is sent, and LinkCreated v3 says so", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/plain" });
    expect(link).toMatchObject(UNSET);
    expect(await passwordHashOf(link.id)).toBeNull();
    const [event] = await waitForEvents((e) => e.type === "LinkCreated" && e.subject === link.id);
    expect(event?.version).toBe(3);
    expect(event?.type === "LinkCreated" ? event.data.link : null).toMatchObject(UNSET);
  });

  it("accepts each field on its own, at its bounds", async () => {
    const team = await createTeam();
    const cases: [Record<string, unknown>, Partial<LinkBody>][] = [
      [{ password: "abcd" }, { passwordProtected: true }],
      [{ password: "p".repeat(128) }, { passwordProtected: true }],
      [{ expiredUrl: "http://example.org/gone" }, { expiredUrl: "http://example.org/gone" }],
      [{ maxClicks: 1 }, { maxClicks: 1 }],
      [{ maxClicks: 1_000_000_000 }, { maxClicks: 1_000_000_000 }],
      [
        { rules: Array.from({ length: 20 }, (_, i) => ({ when: { os: ["android"] }, url: `https://example.com/r${i}` })) },
        { rules: Array.from({ length: 20 }, (_, i) => ({ when: { os: ["android"] }, url: `https://example.com/r${i}` })) },
      ],
      [
        { rules: [{ when: { language: ["zh", "YUE"] }, url: "https://example.com/zh" }] },
        { rules: [{ when: { language: ["zh", "yue"] }, url: "https://example.com/zh" }] },
      ],
      [{ utm: { term: "t".repeat(200) } }, { utm: { term: "t".repeat(200) } }],
      [{ utm: { content: "  café ☕  " } }, { utm: { content: "café ☕" } }],
      [{ og: { description: "d".repeat(500) } }, { og: { description: "d".repeat(500) } }],
      [{ og: { image: "https://cdn.example.com/a.png" } }, { og: { image: "https://cdn.example.com/a.png" } }],
    ];
    for (const [body, shown] of cases) {
      const link = await createLink(team, { url: "https://example.com/each", ...body });
      expect(link, JSON.stringify(body)).toMatchObject({ ...UNSET, ...shown });
    }
  });
});

describe("link controls on PATCH", () => {
  it("sets each field, names it in LinkUpdated v2 with its previous value, and null removes it", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/patch" });
    const { password: _p, ...plain } = CONTROLS;

    for (const [field, value] of Object.entries(plain)) {
      const set = await patch(team, link.id, { [field]: value });
      expect(set.status, await set.clone().text()).toBe(200);
      const after = expectLink(await set.json());
      expect(after[field as keyof LinkBody]).toEqual(SHOWN[field as keyof typeof SHOWN]);
      expect(await get(team, link.id)).toEqual(after);
      const [event] = await waitForEvents((e) => e.type === "LinkUpdated" && e.subject === link.id && e.data.link.updatedAt === after.updatedAt);
      expect(event?.version).toBe(2);
      expect(event?.type === "LinkUpdated" ? event.data : null).toMatchObject({ changed: [field], previous: { [field]: null } });

      const removed = await patch(team, link.id, { [field]: null });
      expect(removed.status).toBe(200);
      const cleared = expectLink(await removed.json());
      expect(cleared[field as keyof LinkBody]).toBeNull();
      const [removal] = await waitForEvents((e) => e.type === "LinkUpdated" && e.subject === link.id && e.data.link.updatedAt === cleared.updatedAt);
      expect(removal?.type === "LinkUpdated" ? removal.data : null).toMatchObject({
        changed: [field],
        previous: { [field]: SHOWN[field as keyof typeof SHOWN] },
      });
    }
    expect(await get(team, link.id)).toMatchObject(UNSET);
  });

  it("sets, changes and removes a password: `password` in changed, no previous value, never the password", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/secret" });

    const set = await patch(team, link.id, { password: PASSWORD });
    const setText = await set.text();
    expect(set.status, setText).toBe(200);
    expect(JSON.parse(setText)).toMatchObject({ passwordProtected: true });
    await expectNoSecret(setText, link.id);
    const first = await passwordHashOf(link.id);
    expect(await verifyLinkPassword(first ?? "", PASSWORD)).toBe(true);

    // The same password again is a new hash (a fresh salt), and an event.
    const again = await patch(team, link.id, { password: PASSWORD });
    expect(again.status).toBe(200);
    const second = await passwordHashOf(link.id);
    expect(second).not.toBe(first);
    expect(await verifyLinkPassword(second ?? "", PASSWORD)).toBe(true);

    const other = await patch(team, link.id, { password: "another one", maxClicks: 3 });
    expect(other.status).toBe(200);
    expect(await verifyLinkPassword((await passwordHashOf(link.id)) ?? "", PASSWORD)).toBe(false);
    expect(await verifyLinkPassword((await passwordHashOf(link.id)) ?? "", "another one")).toBe(true);

    const removed = await patch(team, link.id, { password: null });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toMatchObject({ passwordProtected: false });
    expect(await passwordHashOf(link.id)).toBeNull();

    await waitForOutboxQuiet();
    const rows = (await eventRowsFor(link.id)).filter((r) => r.type === "LinkUpdated");
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row.envelope).not.toContain(PASSWORD);
      expect(row.envelope).not.toContain("another one");
      expect(row.envelope).not.toContain("pbkdf2");
    }
    const data = rows.map((r) => (linkEventSchema.parse(JSON.parse(r.envelope)) as EventOf<"LinkUpdated">).data);
    expect(data.map((d) => [d.changed, d.previous, "passwordProtected" in d.link && d.link.passwordProtected])).toEqual([
      [["password"], {}, true],
      [["password"], {}, true],
      [["maxClicks", "password"], { maxClicks: null }, true],
      [["password"], {}, false],
    ]);

    // Removing a password from a link that has none changes nothing: no event.
    const none = await patch(team, link.id, { password: null });
    expect(none.status).toBe(200);
    await waitForOutboxQuiet();
    expect((await eventRowsFor(link.id)).filter((r) => r.type === "LinkUpdated")).toHaveLength(4);
  });

  it("writes nothing for a PATCH that sets controls to the values they have", async () => {
    const team = await createTeam();
    const { password: _p, ...plain } = CONTROLS;
    const link = await createLink(team, { url: "https://example.com/same", ...plain });
    await waitForOutboxQuiet();
    const before = await tableCounts();
    const res = await patch(team, link.id, plain);
    expect(res.status).toBe(200);
    expect(expectLink(await res.json())).toEqual(link);
    expect(await tableCounts()).toEqual(before);
  });
});
