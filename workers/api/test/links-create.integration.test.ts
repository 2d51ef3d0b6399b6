import { describe, expect, it, vi } from "vitest";
import {
  api,
  createLink,
  createTeam,
  eventRowsFor,
  eventRowsOfTeam,
  expectError,
  expectLink,
  GENERATED_SLUG,
  json,
  linkShape,
  tableCounts,
  traceIdOf,
  unique,
  waitForClicks,
  waitForEvents,
  type LinkBody,
} from "./helpers";

interface BulkResult {
  results: ({ ok: true; link: LinkBody } | { ok: false; error: { code: string; message: string } })[];
}

describe("POST /v1/links", () => {
  it("creates a link with a generated 7-character slug from the look-alike-free alphabet", async () => {
    const team = await createTeam();
    const res = await api("/v1/links", json({ url: "https://example.com/generated" }, team.auth));
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const link = expectLink(await res.json());
    expect(link.slug).toMatch(GENERATED_SLUG);
    expect(link).toMatchObject({ url: "https://example.com/generated", title: null, tags: [], expiresAt: null });
    expect(link.createdAt).toBe(link.updatedAt);
    const fetched = await api(`/v1/links/${link.id}`, { headers: team.auth });
    expect(await fetched.json()).toEqual(link);
  });

  it("never hands out 0, O, o, 1, l, I or i in generated slugs", async () => {
    const team = await createTeam();
    const res = await api("/v1/links/bulk", json({ links: Array.from({ length: 60 }, (_, i) => ({ url: `https://example.com/gen/${i}` })) }, team.auth));
    const { results } = (await res.json()) as BulkResult;
    const slugs = results.map((r) => (r.ok ? r.link.slug : ""));
    expect(slugs.every((s) => GENERATED_SLUG.test(s))).toBe(true);
    expect(slugs.join("")).not.toMatch(/[0Oo1lIi]/);
    expect(new Set(slugs).size).toBe(60);
  });

  it("keeps a custom slug, trims the title, dedupes tags and normalises expiresAt to UTC", async () => {
    const team = await createTeam();
    const slug = unique("Launch_2031");
    const link = await createLink(team, {
      url: "https://example.com/products/launch?ref=newsletter",
      slug,
      title: "  Launch page  ",
      tags: ["marketing", "q4", "marketing", " q4 "],
      expiresAt: "2031-06-01T12:00:00+02:00",
    });
    expectLink(link);
    expect(link).toMatchObject({
      slug,
      url: "https://example.com/products/launch?ref=newsletter",
      title: "Launch page",
      tags: ["marketing", "q4"],
      expiresAt: "2031-06-01T10:00:00.000Z",
    });
    const [event] = await waitForEvents((e) => e.type === "LinkCreated" && e.subject === link.id);
    expect(event?.data).toMatchObject({
      link: {
        id: link.id,
        slug,
        url: link.url,
        title: "Launch page",
        tags: ["marketing", "q4"],
        expiresAt: "2031-06-01T10:00:00.000Z",
        createdAt: link.createdAt,
        updatedAt: link.updatedAt,
      },
    });
    expect(event?.teamId).toBe(team.id);
  });

  it("accepts expiresAt without fractional seconds and with a Z", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/z", expiresAt: "2032-01-02T03:04:05Z" });
    expect(link.expiresAt).toBe("2032-01-02T03:04:05.000Z");
  });

  it("answers 409 for a taken slug, across teams and for a deleted link's slug, writing nothing", async () => {
    const a = await createTeam("A");
    const b = await createTeam("B");
    const slug = unique("taken");
    const first = await createLink(a, { url: "https://example.com/first", slug });
    const before = await tableCounts();
    await expectError(await api("/v1/links", json({ url: "https://example.com/again", slug }, a.auth)), 409, "conflict");
    await expectError(await api("/v1/links", json({ url: "https://example.com/other-team", slug }, b.auth)), 409, "conflict");
    expect(await tableCounts()).toEqual(before);

    expect((await api(`/v1/links/${first.id}`, { method: "DELETE", headers: a.auth })).status).toBe(204);
    const afterDelete = await tableCounts();
    await expectError(await api("/v1/links", json({ url: "https://example.com/reuse", slug }, a.auth)), 409, "conflict");
    await expectError(await api("/v1/links", json({ url: "https://example.com/reuse", slug }, b.auth)), 409, "conflict");
    expect(await tableCounts()).toEqual(afterDelete);
    expect((await api(`/${slug}`)).status).toBe(410);
  });

  it("treats slugs as case-sensitive", async () => {
    const team = await createTeam();
    const slug = unique("CaseSlug");
    await createLink(team, { url: "https://example.com/upper", slug });
    const lower = await createLink(team, { url: "https://example.com/lower", slug: slug.toLowerCase() });
    expect(lower.slug).toBe(slug.toLowerCase());
    expect((await api(`/${slug.toLowerCase()}`)).headers.get("location")).toBe("https://example.com/lower");
  });
});

describe("POST /v1/links/bulk", () => {
  it("gives one result per item, in order, for a mix of valid and invalid items", async () => {
    const team = await createTeam();
    const taken = await createLink(team, { url: "https://example.com/taken", slug: unique("bulk-taken") });
    const custom = unique("bulk-custom");
    const res = await api(
      "/v1/links/bulk",
      json(
        {
          links: [
            { url: "https://example.com/bulk/0", title: "zero", tags: ["b", "b"] },
            { url: "javascript:alert(1)" },
            { url: "https://example.com/bulk/2", colour: "red" },
            { url: "https://example.com/bulk/3", slug: custom },
            { url: "https://example.com/bulk/4", slug: custom },
            { url: "https://example.com/bulk/5", slug: taken.slug },
            { url: "https://example.com/bulk/6", slug: "docs" },
            "not an object",
            { url: "https://example.com/bulk/8", expiresAt: "2000-01-01T00:00:00Z" },
            { url: "https://example.com/bulk/9" },
          ],
        },
        team.auth,
      ),
    );
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as BulkResult;
    expect(results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual([
      "ok",
      "invalid_request",
      "invalid_request",
      "ok",
      "conflict",
      "conflict",
      "invalid_request",
      "invalid_request",
      "invalid_request",
      "ok",
    ]);
    const created = results.flatMap((r) => (r.ok ? [r.link] : []));
    for (const link of created) expectLink(link);
    expect(created[0]).toMatchObject({ url: "https://example.com/bulk/0", title: "zero", tags: ["b"] });
    expect(created[1]?.slug).toBe(custom);
    for (const r of results) if (!r.ok) expect(r.error.message.length).toBeGreaterThan(0);

    // Exactly the valid items exist, each with exactly one LinkCreated event, which reaches the queue.
    for (const link of created) {
      expect((await api(`/v1/links/${link.id}`, { headers: team.auth })).status).toBe(200);
      expect((await eventRowsFor(link.id)).map((e) => e.type)).toEqual(["LinkCreated"]);
    }
    await waitForEvents((e) => e.type === "LinkCreated" && created.some((l) => l.id === e.subject), 3);
    expect((await api(`/${custom}`)).headers.get("location")).toBe("https://example.com/bulk/3");
  });

  it("writes nothing when every item is invalid", async () => {
    const team = await createTeam();
    const before = await tableCounts();
    const res = await api("/v1/links/bulk", json({ links: [{ url: "ftp://example.com/" }, { slug: "no-url" }] }, team.auth));
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as BulkResult;
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(await tableCounts()).toEqual(before);
  });

  it("accepts exactly 100 items and refuses 101 with 400, writing nothing", async () => {
    const team = await createTeam();
    const before = await tableCounts();
    const tooMany = Array.from({ length: 101 }, (_, i) => ({ url: `https://example.com/many/${i}` }));
    await expectError(await api("/v1/links/bulk", json({ links: tooMany }, team.auth)), 400, "invalid_request");
    expect(await tableCounts()).toEqual(before);
    const res = await api("/v1/links/bulk", json({ links: tooMany.slice(0, 100) }, team.auth));
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as BulkResult;
    expect(results.filter((r) => r.ok)).toHaveLength(100);
    const after = await tableCounts();
    expect(after["links"]).toBe((before["links"] ?? 0) + 100);
    expect(after["events"]).toBe((before["events"] ?? 0) + 100);
  });

  it("marks every event of a full 100-item bulk published once the queue accepted them", async () => {
    const team = await createTeam();
    const res = await api("/v1/links/bulk", json({ links: Array.from({ length: 100 }, (_, i) => ({ url: `https://example.com/full/${i}` })) }, team.auth));
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as BulkResult;
    const ids = new Set(results.flatMap((r) => (r.ok ? [r.link.id] : [])));
    expect(ids.size).toBe(100);
    // The queue really got all 100 ...
    await waitForEvents((e) => e.type === "LinkCreated" && ids.has(e.subject), 100);
    // ... so the outbox must not keep them as unpublished (the relay would re-send them forever).
    await vi
      .waitUntil(async () => (await eventRowsOfTeam(team.id)).every((row) => row.published_at !== null), { timeout: 3_000, interval: 50 })
      .catch(() => undefined);
    const rows = await eventRowsOfTeam(team.id);
    expect(rows).toHaveLength(100);
    expect(rows.filter((row) => row.published_at === null).map((row) => row.id)).toEqual([]);
  });
});

describe("traceparent", () => {
  const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  it("is on every response: success, errors, redirects, 404s and health", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/trace" });
    // Deleted before anyone visits it: a visited link's redirect is cached for a few seconds (README "How fresh a redirect is").
    const gone = await createLink(team, { url: "https://example.com/gone" });
    const responses = [
      await api("/healthz"),
      await api("/openapi.json"),
      await api("/v1/links", { headers: team.auth }),
      await api(`/v1/links/${link.id}`, { headers: team.auth }),
      await api("/v1/links", json({ url: "https://example.com/t2" }, team.auth)),
      await api("/v1/links", json({ url: "nope" }, team.auth)),
      await api("/v1/links"),
      await api(`/${link.slug}`),
      await api(`/${link.slug}`, { method: "HEAD" }),
      await api("/no-such-slug-here"),
      await api("/v1/nope/nope", { headers: team.auth }),
      await api(`/v1/links/${gone.id}`, { method: "DELETE", headers: team.auth }),
      await api(`/${gone.slug}`),
    ];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 201, 400, 401, 302, 302, 404, 404, 204, 410]);
    const traceIds = responses.map(traceIdOf);
    expect(new Set(traceIds).size).toBe(traceIds.length);
    for (const id of traceIds) expect(id).not.toBe("0".repeat(32));
  });

  it("continues an incoming trace id into the response and the events", async () => {
    const team = await createTeam();
    const res = await api("/v1/links", json({ url: "https://example.com/traced" }, { ...team.auth, traceparent: incoming }));
    expect(res.status).toBe(201);
    const traceparent = res.headers.get("traceparent") ?? "";
    expect(traceIdOf(res)).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(traceparent).not.toContain("00f067aa0ba902b7");
    const link = linkShape.parse(await res.json());
    const [event] = await waitForEvents((e) => e.type === "LinkCreated" && e.subject === link.id);
    expect(event?.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect((await eventRowsFor(link.id))[0]?.trace_id).toBe("4bf92f3577b34da6a3ce929d0e0e4736");

    const clickTrace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
    const click = await api(`/${link.slug}`, { headers: { traceparent: clickTrace } });
    expect(traceIdOf(click)).toBe("0af7651916cd43dd8448eb211c80319c");
    const [clicked] = await waitForClicks((c) => c.linkId === link.id);
    expect(clicked?.traceId).toBe("0af7651916cd43dd8448eb211c80319c");
  });

  it.each([
    ["all-zero trace id", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"],
    ["all-zero parent id", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"],
    ["upper-case hex", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01"],
    ["short trace id", "00-4bf92f3577b34da6-00f067aa0ba902b7-01"],
    ["garbage", "hello"],
  ])("replaces an invalid incoming traceparent (%s) with a fresh one", async (_name, header) => {
    const team = await createTeam();
    const res = await api("/v1/links", json({ url: "https://example.com/fresh-trace" }, { ...team.auth, traceparent: header }));
    expect(res.status).toBe(201);
    const traceId = traceIdOf(res);
    expect(traceId).not.toBe("0".repeat(32));
    expect(traceId).not.toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    const link = linkShape.parse(await res.json());
    expect((await eventRowsFor(link.id))[0]?.trace_id).toBe(traceId);
  });
});
