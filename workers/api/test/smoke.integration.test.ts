import { describe, expect, it } from "vitest";
import { api, createLink, createTeam, waitForEvents } from "./helpers";

describe("smoke", () => {
  it("creates a link that redirects and publishes LinkCreated", async () => {
    const team = await createTeam();
    const link = await createLink(team, { url: "https://example.com/a" });
    expect(link.slug).toMatch(/^[2-9a-zA-Z]{7}$/);
    const res = await api(`/${link.slug}`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://example.com/a");
    const [event] = await waitForEvents((e) => e.type === "LinkCreated" && e.subject === link.id);
    expect(event?.teamId).toBe(team.id);
  });
});
