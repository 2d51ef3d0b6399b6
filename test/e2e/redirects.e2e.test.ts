// The redirects read model on the real stack: the projection consumer keeps KV, the redirect path
// reads it. Local KV is immediately consistent, so the bounds here are the projection's lag plus
// the isolate's cache (ENTRY_TTL_MS, 10 s); README "How fresh a redirect is" adds KV's propagation
// for production, proven with a simulation in workers/api/test/redirect-read-model.integration.test.ts.
import { describe, expect, it } from "vitest";
import { api, baseUrl, createLink, createTeam, deliveries, eventIdOf, eventually, type Team } from "./client";

/** Local bound: projection lag (≈ 1–2 s) + the isolate's cache (10 s) + margin. */
const LOCAL_BOUND_MS = 20_000;

async function answer(slug: string): Promise<{ status: number; location: string | null }> {
  const res = await fetch(`${baseUrl}/${slug}`, { redirect: "manual" });
  await res.body?.cancel();
  return { status: res.status, location: res.headers.get("location") };
}

async function redirectsDelivered(team: Team, linkId: string, type: string): Promise<void> {
  const eventId = await eventIdOf(team, linkId, type);
  await eventually(
    async () => (await deliveries(team, eventId)).some((d) => d.subscriber === "redirects" && d.status === "delivered"),
    `redirects to project ${type}`,
  );
}

describe("redirects from the KV read model on the real stack", () => {
  it("a new link redirects the moment its 201 is sent; a url change, a slug move and a delete show within the bound", async () => {
    const team = await createTeam("Redirects e2e");
    const link = await createLink(team, { url: "https://example.com/e2e-one" });
    expect(await answer(link.slug)).toEqual({ status: 302, location: "https://example.com/e2e-one" });
    await redirectsDelivered(team, link.id, "LinkCreated");

    const patch = (body: unknown) =>
      fetch(`${baseUrl}/v1/links/${link.id}`, { method: "PATCH", headers: { ...team.auth, "content-type": "application/json" }, body: JSON.stringify(body) });
    expect((await patch({ url: "https://example.com/e2e-two" })).status).toBe(200);
    await eventually(async () => (await answer(link.slug)).location === "https://example.com/e2e-two", "the new url", LOCAL_BOUND_MS);

    const moved = `e2e-moved-${crypto.randomUUID().slice(0, 8)}`;
    expect((await patch({ slug: moved })).status).toBe(200);
    expect((await answer(moved)).location).toBe("https://example.com/e2e-two"); // a slug KV does not know yet: the primary
    await eventually(async () => (await answer(link.slug)).status === 404, "the old slug to answer 404", LOCAL_BOUND_MS);

    expect((await fetch(`${baseUrl}/v1/links/${link.id}`, { method: "DELETE", headers: team.auth })).status).toBe(204);
    await eventually(async () => (await answer(moved)).status === 410, "the deleted link to answer 410", LOCAL_BOUND_MS);
    await redirectsDelivered(team, link.id, "LinkDeleted");
  });

  it("a replay to the redirects subscriber is accepted and every replayed event ends delivered (records converge, nothing changes)", async () => {
    const team = await createTeam("Redirects replay");
    const link = await createLink(team, { url: "https://example.com/e2e-replay" });
    await redirectsDelivered(team, link.id, "LinkCreated");
    const eventId = await eventIdOf(team, link.id, "LinkCreated");
    const replay = await api.admin<{ queued: number }>("POST", "/v1/admin/replay", { subscriber: "redirects", eventIds: [eventId] });
    expect(replay.queued).toBe(1);
    await eventually(async () => {
      const redirects = (await deliveries(team, eventId)).find((d) => d.subscriber === "redirects");
      return redirects?.status === "delivered" && redirects.attempts + redirects.duplicates >= 2;
    }, "the replayed copy to be processed");
    expect(await answer(link.slug)).toEqual({ status: 302, location: "https://example.com/e2e-replay" });
  });
});
