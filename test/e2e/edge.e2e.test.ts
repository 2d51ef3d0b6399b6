import { afterAll, describe, expect, it } from "vitest";
import { api, baseUrl, createLink, createTeam, eventually, type Team } from "./client";
import { listen, type FeedListener } from "./feed-client";

// The stack's one port is the edge Worker's (scripts/stack.mjs: the primary of `wrangler dev`):
// it answers redirects itself and passes everything else to the api over its service binding.

interface Reconciliation {
  lastRunAt: string | null;
  clicks: { lastRunAt: string | null };
}

const opened: FeedListener[] = [];
afterAll(() => {
  for (const listener of opened) listener.close();
});

describe("the edge Worker in front of the api", () => {
  let team: Team;

  it("passes API calls through: a link created (201) and read back", async () => {
    team = await createTeam("Edge front");
    const res = await fetch(`${baseUrl}/v1/links`, {
      method: "POST",
      headers: { ...team.auth, "content-type": "application/json" },
      body: JSON.stringify({ url: "https://example.com/edge/created" }),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; slug: string };
    const read = await api.get<{ id: string; slug: string; url: string }>(`/v1/links/${created.id}`, team);
    expect(read).toMatchObject({ id: created.id, slug: created.slug, url: "https://example.com/edge/created" });
  });

  it("answers a short link with its redirect (302, Location, traceparent), GET and HEAD", async () => {
    const link = await createLink(team, { url: "https://example.com/edge/target" });
    const res = await fetch(`${baseUrl}/${link.slug}?from=edge`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://example.com/edge/target?from=edge");
    expect(res.headers.get("cache-control")).toBe("private, max-age=0");
    expect(res.headers.get("traceparent")).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const head = await fetch(`${baseUrl}/${link.slug}`, { method: "HEAD", redirect: "manual" });
    expect(head.status).toBe(302);
    expect(head.headers.get("location")).toBe("https://example.com/edge/target");
  });

  it("answers an unknown slug with the api's 404 JSON", async () => {
    const res = await fetch(`${baseUrl}/no-such-slug-edge`, { redirect: "manual" });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("passes reserved paths and the docs to the api, not to the redirect route", async () => {
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const spec = await fetch(`${baseUrl}/openapi.json`);
    expect(spec.status).toBe(200);
    expect(((await spec.json()) as { openapi: string }).openapi).toBe("3.1.0");
    const dashboard = await fetch(`${baseUrl}/dashboard`, { redirect: "manual" });
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get("content-type")).toMatch(/text\/html/);
  });

  it("answers a password form's post itself and counts a capped link's uses in the api's LinkClickCap objects", async () => {
    const link = await createLink(team, { url: "https://example.com/edge/secret", password: "edge secret", maxClicks: 1 });
    const form = await fetch(`${baseUrl}/${link.slug}`, { redirect: "manual" });
    expect([form.status, form.headers.get("x-robots-tag")]).toEqual([200, "noindex"]);
    expect(await form.text()).toContain('name="password" type="password"');
    const post = (password: string) =>
      fetch(`${baseUrl}/${link.slug}`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0" },
        body: new URLSearchParams({ password }).toString(),
      });
    expect((await post("not it")).status).toBe(401);
    const right = await post("edge secret");
    expect([right.status, right.headers.get("location")]).toEqual([302, "https://example.com/edge/secret"]);
    const usedUp = await post("edge secret");
    expect(usedUp.status).toBe(410);
    expect(await usedUp.json()).toMatchObject({ error: { code: "gone", message: "This link reached its click limit." } });
  });

  it("passes the live feed's WebSocket upgrade through: an event reaches the socket", async () => {
    const listener = await listen(team);
    opened.push(listener);
    const link = await createLink(team, { url: "https://example.com/edge/feed" });
    await eventually(async () => listener.events.some((e) => e.subject === link.id), "the LinkCreated event on the feed");
  });

  it("fires the api's minute cron from /__scheduled on the edge's port (the reconciler runs)", async () => {
    const before = await api.admin<Reconciliation>("GET", "/v1/admin/reconciliation");
    const firedAt = Date.now();
    const res = await fetch(`${baseUrl}/__scheduled?cron=*+*+*+*+*`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const after = await eventually(async () => {
      const now = await api.admin<Reconciliation>("GET", "/v1/admin/reconciliation");
      return now.lastRunAt !== null && now.lastRunAt !== before.lastRunAt ? now : undefined;
    }, "the reconciler's last run to change");
    expect(Date.parse(after.lastRunAt ?? "")).toBeGreaterThanOrEqual(firedAt - 1_000);
    expect(after.clicks.lastRunAt).not.toBeNull();
  });
});
