import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { qrScanUrl } from "#contracts/qr/codes";
import { renderQrSvg } from "../../consumers/qr/src/render-qr";
import { api, createLink, createTeam, eventRowsFor, expectError, json, unique, type LinkBody, type TestTeam } from "./helpers";

const qrPath = (link: LinkBody, query = "") => `/v1/links/${link.id}/qr${query}`;

/** Hands the link's events of `type` from the outbox to the real qr Worker, as the fan-out would. */
async function deliverToQr(link: LinkBody, type: string): Promise<void> {
  const rows = (await eventRowsFor(link.id)).filter((row) => row.type === type);
  expect(rows.length, `${type} rows for ${link.id}`).toBeGreaterThan(0);
  for (const row of rows) await env.TEST_QR_EVENTS.send(JSON.parse(row.envelope));
}

/** Asks until the code is served (the qr Worker consumes its queue in the background). */
function whenServed(team: TestTeam, path: string): Promise<Response> {
  return vi.waitUntil(
    async () => {
      const res = await api(path, { headers: team.auth });
      if (res.status === 200) return res;
      await res.arrayBuffer();
      return false;
    },
    { timeout: 5_000, interval: 25 },
  );
}

async function servedLink(team: TestTeam): Promise<{ link: LinkBody; res: Response }> {
  const link = await createLink(team, { url: "https://example.com/qr", slug: unique("qr") });
  await deliverToQr(link, "LinkCreated");
  return { link, res: await whenServed(team, qrPath(link)) };
}

describe("GET /v1/links/:id/qr", () => {
  it("answers 202 with Retry-After until the consumer has made the code, then the SVG with ETag and Cache-Control", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/pending", slug: unique("pend") });
    const pending = await api(qrPath(link), { headers: team.auth });
    expect(pending.status).toBe(202);
    expect(pending.headers.get("retry-after")).toBe("2");
    expect(pending.headers.get("cache-control")).toBe("no-store");
    expect(await pending.json()).toEqual({ status: "pending" });

    await deliverToQr(link, "LinkCreated");
    const res = await whenServed(team, qrPath(link));
    expect(res.headers.get("content-type")).toBe("image/svg+xml");
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    expect(res.headers.get("cache-control")).toBe("private, no-cache");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    // The stored code is the renderer's output for the link's shortUrl with the scan marker (the tooling project scans that output).
    expect((await res.text()).startsWith(renderQrSvg(qrScanUrl(link.shortUrl)))).toBe(true);
  });

  it("honours If-None-Match with 304 and the same ETag", async () => {
    const team = await createTeam();
    const { link, res } = await servedLink(team);
    const etag = res.headers.get("etag") ?? "";
    await res.arrayBuffer();
    const cached = await api(qrPath(link), { headers: { ...team.auth, "if-none-match": etag } });
    expect(cached.status).toBe(304);
    expect(cached.headers.get("etag")).toBe(etag);
    expect(cached.headers.get("cache-control")).toBe("private, no-cache");
    expect(await cached.text()).toBe("");
    const stale = await api(qrPath(link), { headers: { ...team.auth, "if-none-match": '"not-it"' } });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
  });

  it("renders a variant on demand, with its own ETag that If-None-Match honours", async () => {
    const team = await createTeam();
    const { link, res } = await servedLink(team);
    const storedEtag = res.headers.get("etag");
    await res.arrayBuffer();
    const variant = await api(qrPath(link, "?size=512&ecl=H&fg=%23123&bg=%23fffff0"), { headers: team.auth });
    expect(variant.status).toBe(200);
    expect(variant.headers.get("content-type")).toBe("image/svg+xml");
    expect(await variant.text()).toBe(renderQrSvg(qrScanUrl(link.shortUrl), { size: 512, ecl: "H", fg: "#123", bg: "#fffff0" }));
    const etag = variant.headers.get("etag") ?? "";
    expect(etag).not.toBe(storedEtag);
    const partial = await api(qrPath(link, "?size=128"), { headers: team.auth });
    expect(await partial.text()).toBe(renderQrSvg(qrScanUrl(link.shortUrl), { size: 128, ecl: "M", fg: "#000000", bg: "#ffffff" }));
    const cached = await api(qrPath(link, "?size=512&ecl=H&fg=%23112233&bg=%23FFFFF0"), { headers: { ...team.auth, "if-none-match": etag } });
    expect(cached.status).toBe(304);
  });

  it.each([
    ["?size=10", "query.size"],
    ["?size=4096", "query.size"],
    ["?size=abc", "query.size"],
    ["?size=12.5", "query.size"],
    ["?size=100&size=200", "query.size"],
    ["?ecl=X", "query.ecl"],
    ["?ecl=m", "query.ecl"],
    ["?fg=red", "query.fg"],
    ["?fg=000000", "query.fg"],
    ["?fg=%23ggg", "query.fg"],
    ["?bg=%231234", "query.bg"],
    ["?fg=%23fff", "query.bg"],
    ["?fg=%23000&bg=%23000000", "query.bg"],
    ["?colour=red", ""],
  ])("refuses %s with 400 invalid_request naming %s", async (query, path) => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/bad-options" });
    const error = await expectError(await api(qrPath(link, query), { headers: team.auth }), 400, "invalid_request");
    if (path) expect(error.issues?.map((i) => i.path)).toContain(path);
  });

  it("is team-scoped: another team's link, an unknown or malformed id answer 404; no key answers 401", async () => {
    const owner = await createTeam();
    const other = await createTeam("Other");
    const { link, res } = await servedLink(owner);
    const etag = res.headers.get("etag") ?? "";
    await res.arrayBuffer();
    await expectError(await api(qrPath(link), { headers: other.auth }), 404, "not_found");
    await expectError(await api(qrPath(link, "?size=300"), { headers: other.auth }), 404, "not_found");
    await expectError(await api(qrPath(link), { headers: { ...other.auth, "if-none-match": etag } }), 404, "not_found");
    await expectError(await api("/v1/links/lnk_01JDQ8Z5W5S3T6V8X0Y2Z4A6BC/qr", { headers: owner.auth }), 404, "not_found");
    await expectError(await api("/v1/links/nope/qr", { headers: owner.auth }), 404, "not_found");
    await expectError(await api(qrPath(link)), 401, "unauthorized");
  });

  it("answers 202 after a slug change until the code is re-rendered, then the new code", async () => {
    const team = await createTeam();
    const { link, res } = await servedLink(team);
    const before = res.headers.get("etag");
    await res.arrayBuffer();
    const patched = await api(`/v1/links/${link.id}`, { ...json({ slug: unique("moved") }, team.auth), method: "PATCH" });
    expect(patched.status).toBe(200);
    const moved = (await patched.json()) as LinkBody;
    const stale = await api(qrPath(link), { headers: team.auth });
    expect(stale.status).toBe(202);
    await stale.arrayBuffer();

    await deliverToQr(link, "LinkUpdated");
    const fresh = await whenServed(team, qrPath(link));
    expect(fresh.headers.get("etag")).not.toBe(before);
    expect((await fresh.text()).startsWith(renderQrSvg(qrScanUrl(moved.shortUrl)))).toBe(true);
  });

  it("answers 404 for a deleted link, even before the consumer has removed its code", async () => {
    const team = await createTeam();
    const { link, res } = await servedLink(team);
    await res.arrayBuffer();
    expect((await api(`/v1/links/${link.id}`, { method: "DELETE", headers: team.auth })).status).toBe(204);
    await expectError(await api(qrPath(link), { headers: team.auth }), 404, "not_found");
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await (await api("/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain("/v1/links/{id}/qr");
  });
});
