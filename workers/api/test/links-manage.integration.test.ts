import { describe, expect, it } from "vitest";
import {
  api,
  createLink,
  createTeam,
  eventRowsFor,
  expectError,
  expectLink,
  json,
  linkShape,
  tableCounts,
  unique,
  waitForEvents,
  waitForOutboxQuiet,
  type LinkBody,
  type TestTeam,
} from "./helpers";

interface Page {
  data: LinkBody[];
  nextCursor: string | null;
}

async function list(team: TestTeam, query: string): Promise<Page> {
  const res = await api(`/v1/links${query}`, { headers: team.auth });
  expect(res.status, await res.clone().text()).toBe(200);
  const page = (await res.json()) as Page;
  for (const link of page.data) expectLink(link);
  return page;
}

function patch(team: TestTeam, id: string, body: unknown): Promise<Response> {
  return api(`/v1/links/${id}`, { ...json(body, team.auth), method: "PATCH" });
}

describe("GET /v1/links/:id", () => {
  it("returns the Link shape of API.md", async () => {
    const team = await createTeam();
    const created = await createLink(team, { url: "https://example.com/one", title: "One", tags: ["x"] });
    const res = await api(`/v1/links/${created.id}`, { headers: team.auth });
    expect(res.status).toBe(200);
    const body: unknown = await res.json();
    expect(Object.keys(body as object).sort()).toEqual([
      "createdAt",
      "expiredUrl",
      "expiresAt",
      "id",
      "maxClicks",
      "og",
      "passwordProtected",
      "rules",
      "shortUrl",
      "slug",
      "tags",
      "title",
      "updatedAt",
      "url",
      "utm",
    ]);
    expect(expectLink(body)).toEqual(created);
    // A link without controls shows them unset.
    expect(body).toMatchObject({ passwordProtected: false, expiredUrl: null, maxClicks: null, rules: null, utm: null, og: null });
  });

  it("answers 404 for an unknown id", async () => {
    const team = await createTeam();
    await expectError(await api("/v1/links/lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC", { headers: team.auth }), 404, "not_found");
  });
});

describe("GET /v1/links", () => {
  it("pages with limit and cursor, newest first, with no duplicates or gaps", async () => {
    const team = await createTeam();
    const created: string[] = [];
    for (let i = 0; i < 11; i++) created.push((await createLink(team, { url: `https://example.com/page/${i}` })).id);
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await list(team, `?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      pageSizes.push(page.data.length);
      seen.push(...page.data.map((l) => l.id));
      cursor = page.nextCursor;
    } while (cursor !== null && pageSizes.length < 10);
    expect(pageSizes).toEqual([4, 4, 3]);
    expect(seen).toEqual([...created].reverse());
    expect(new Set(seen).size).toBe(11);
  });

  it("gives no nextCursor when the last page is exactly full, and defaults to 25", async () => {
    const team = await createTeam();
    for (let i = 0; i < 4; i++) await createLink(team, { url: `https://example.com/exact/${i}` });
    const first = await list(team, "?limit=2");
    const second = await list(team, `?limit=2&cursor=${first.nextCursor}`);
    expect(second.data).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    const all = await list(team, "");
    expect(all.data).toHaveLength(4);
    expect(all.nextCursor).toBeNull();
    const max = await list(team, "?limit=100");
    expect(max.data).toHaveLength(4);
  });

  it("leaves deleted links out, and a page does not skip links when one is deleted mid-way", async () => {
    const team = await createTeam();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createLink(team, { url: `https://example.com/del/${i}` })).id);
    const first = await list(team, "?limit=2");
    expect(first.data.map((l) => l.id)).toEqual([ids[4], ids[3]]);
    expect((await api(`/v1/links/${ids[3]}`, { method: "DELETE", headers: team.auth })).status).toBe(204);
    const rest = await list(team, `?limit=10&cursor=${first.nextCursor}`);
    expect(rest.data.map((l) => l.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect((await list(team, "?limit=10")).data.map((l) => l.id)).not.toContain(ids[3]);
  });

  it("filters by tag", async () => {
    const team = await createTeam();
    const a = await createLink(team, { url: "https://example.com/t/a", tags: ["alpha", "shared"] });
    const b = await createLink(team, { url: "https://example.com/t/b", tags: ["beta", "shared"] });
    await createLink(team, { url: "https://example.com/t/c" });
    expect((await list(team, "?tag=alpha")).data.map((l) => l.id)).toEqual([a.id]);
    expect((await list(team, "?tag=shared")).data.map((l) => l.id)).toEqual([b.id, a.id]);
    expect((await list(team, "?tag=nothing")).data).toEqual([]);
    // A tag is matched whole, not as a substring.
    expect((await list(team, "?tag=alph")).data).toEqual([]);
  });

  it("searches url, title and slug with q, treating % and _ literally", async () => {
    const team = await createTeam();
    const percent = await createLink(team, { url: "https://example.com/q/1", title: "100% organic" });
    const underscore = await createLink(team, { url: "https://example.com/q/2", title: "snake_case guide" });
    const plain = await createLink(team, { url: "https://example.com/q/3", title: "Plain title" });
    const bySlug = await createLink(team, { url: "https://example.com/q/4", slug: unique("findme") });
    const backslash = await createLink(team, { url: "https://example.com/q/5", title: "back\\slash" });
    const q = async (text: string) => (await list(team, `?q=${encodeURIComponent(text)}&limit=100`)).data.map((l) => l.id);
    expect(await q("%")).toEqual([percent.id]);
    expect(await q("_")).toEqual([underscore.id]);
    expect(await q("0% o")).toEqual([percent.id]);
    expect(await q("e_c")).toEqual([underscore.id]);
    expect(await q("\\")).toEqual([backslash.id]);
    expect(await q("Plain")).toEqual([plain.id]);
    expect(await q("findme")).toEqual([bySlug.id]);
    expect(await q("example.com/q/2")).toEqual([underscore.id]);
    expect(await q("no such text")).toEqual([]);
    expect((await q("example.com")).length).toBe(5);
  });
});

describe("PATCH /v1/links/:id", () => {
  it.each([
    ["url", { url: "https://example.org/new" }],
    ["slug", { slug: "patched-slug" }],
    ["title", { title: "New title" }],
    ["title to null", { title: null }],
    ["tags", { tags: ["n", "n", "m"] }],
    ["expiresAt", { expiresAt: "2033-03-03T03:03:03+01:00" }],
    ["expiresAt to null", { expiresAt: null }],
  ])("changes %s and publishes LinkUpdated with what changed", async (name, change: Record<string, unknown>) => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/orig", title: "Old title", tags: ["o"], expiresAt: "2030-01-01T00:00:00Z" });
    const body = name === "slug" ? { slug: unique("patched") } : change;
    const res = await patch(team, link.id, body);
    expect(res.status, await res.clone().text()).toBe(200);
    const updated = expectLink(await res.json());
    const field = Object.keys(body)[0] as keyof LinkBody;
    const expected: Record<string, unknown> = {
      url: "https://example.org/new",
      slug: (body as { slug?: string }).slug,
      title: name === "title" ? "New title" : null,
      tags: ["n", "m"],
      expiresAt: name === "expiresAt" ? "2033-03-03T02:03:03.000Z" : null,
    };
    expect(updated[field]).toEqual(expected[field]);
    expect(updated.id).toBe(link.id);
    expect(updated.createdAt).toBe(link.createdAt);
    expect(updated.updatedAt > link.updatedAt).toBe(true);
    expect(await (await api(`/v1/links/${link.id}`, { headers: team.auth })).json()).toEqual(updated);

    const [event] = await waitForEvents((e) => e.type === "LinkUpdated" && e.subject === link.id);
    expect(event?.data).toMatchObject({ changed: [field], previous: { [field]: link[field] } });
    expect(event && "link" in event.data ? linkShape.omit({ shortUrl: true }).parse(event.data.link) : null).toEqual(
      (({ shortUrl: _s, ...rest }) => rest)(updated),
    );
    if (field === "slug") {
      expect((await api(`/${updated.slug}`)).headers.get("location")).toBe(link.url);
    }
  });

  it("changes several fields at once and lists them all", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/multi", title: "a" });
    const res = await patch(team, link.id, { title: "b", tags: ["t"], url: "https://example.com/multi2" });
    expect(res.status).toBe(200);
    const [event] = await waitForEvents((e) => e.type === "LinkUpdated" && e.subject === link.id);
    const changed = event && "changed" in event.data ? [...event.data.changed].sort() : [];
    expect(changed).toEqual(["tags", "title", "url"]);
  });

  it("writes no event and keeps updatedAt for a PATCH that changes nothing", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/same", title: "Same", tags: ["a", "b"], slug: unique("same") });
    await waitForOutboxQuiet();
    const before = await tableCounts();
    const res = await patch(team, link.id, { url: link.url, title: "Same", tags: ["a", "b", "a"], slug: link.slug });
    expect(res.status).toBe(200);
    expect(expectLink(await res.json())).toEqual(link);
    expect(await tableCounts()).toEqual(before);
    expect((await eventRowsFor(link.id)).map((e) => e.type)).toEqual(["LinkCreated"]);
  });

  it("answers 409 when the new slug is taken (also by a deleted link) and changes nothing", async () => {
    const team = await createTeam();
    const other = await createLink(team, { url: "https://example.com/other", slug: unique("other") });
    const gone = await createLink(team, { url: "https://example.com/gone", slug: unique("gone") });
    expect((await api(`/v1/links/${gone.id}`, { method: "DELETE", headers: team.auth })).status).toBe(204);
    const link = await createLink(team, { url: "https://example.com/mine" });
    await waitForOutboxQuiet();
    const before = await tableCounts();
    await expectError(await patch(team, link.id, { slug: other.slug }), 409, "conflict");
    await expectError(await patch(team, link.id, { slug: gone.slug, title: "with title" }), 409, "conflict");
    expect(await tableCounts()).toEqual(before);
    expect(await (await api(`/v1/links/${link.id}`, { headers: team.auth })).json()).toEqual(link);
  });

  it("answers 404 for a deleted link", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/deleted-patch" });
    expect((await api(`/v1/links/${link.id}`, { method: "DELETE", headers: team.auth })).status).toBe(204);
    await expectError(await patch(team, link.id, { title: "late" }), 404, "not_found");
  });
});

describe("DELETE /v1/links/:id", () => {
  it("answers 204, then GET 404, the short link 410, a second DELETE 404, and publishes LinkDeleted", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/bye", slug: unique("bye") });
    const res = await api(`/v1/links/${link.id}`, { method: "DELETE", headers: team.auth });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    await expectError(await api(`/v1/links/${link.id}`, { headers: team.auth }), 404, "not_found");
    await expectError(await api(`/${link.slug}`), 410, "gone");
    await expectError(await api(`/v1/links/${link.id}`, { method: "DELETE", headers: team.auth }), 404, "not_found");
    const [event] = await waitForEvents((e) => e.type === "LinkDeleted" && e.subject === link.id);
    expect(event?.data).toMatchObject({ linkId: link.id, slug: link.slug });
    expect((await eventRowsFor(link.id)).map((e) => e.type)).toEqual(["LinkCreated", "LinkDeleted"]);
  });
});
