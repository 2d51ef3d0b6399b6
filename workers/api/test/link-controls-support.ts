// Shared by the link-controls workerd tests: a full set of controls, what the Link shows for it,
// and reads that check the password never leaks.
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { api, expectLink, json, type LinkBody, type TestTeam } from "./helpers";

export const PASSWORD = "Tr0ub4dor&3-horse";

export const CONTROLS = {
  password: PASSWORD,
  expiredUrl: "https://Example.com/ended",
  maxClicks: 500,
  rules: [
    { when: { country: ["de", "AT", "DE"], language: ["DE"] }, url: "https://example.com/de" },
    { when: { device: ["mobile", "tablet"], os: ["ios"] }, url: "https://apps.example.com/launch" },
  ],
  utm: { source: "newsletter", medium: "email", campaign: "launch" },
  og: { title: "The launch", description: "Everything new.", image: "https://example.com/og.png" },
};

/** What the Link shows for CONTROLS: normalised (codes' case, duplicates, URLs) and no password. */
export const SHOWN = {
  passwordProtected: true,
  expiredUrl: "https://example.com/ended",
  maxClicks: 500,
  rules: [
    { when: { country: ["DE", "AT"], language: ["de"] }, url: "https://example.com/de" },
    { when: { device: ["mobile", "tablet"], os: ["ios"] }, url: "https://apps.example.com/launch" },
  ],
  utm: CONTROLS.utm,
  og: CONTROLS.og,
};

export const UNSET = { passwordProtected: false, expiredUrl: null, maxClicks: null, rules: null, utm: null, og: null };

export function patch(team: TestTeam, id: string, body: unknown): Promise<Response> {
  return api(`/v1/links/${id}`, { ...json(body, team.auth), method: "PATCH" });
}

export async function get(team: TestTeam, id: string): Promise<LinkBody> {
  const res = await api(`/v1/links/${id}`, { headers: team.auth });
  expect(res.status).toBe(200);
  return expectLink(await res.json());
}

export async function passwordHashOf(id: string): Promise<string | null> {
  const row = await env.LINKS_DB.prepare("SELECT password_hash AS h FROM links WHERE id = ?").bind(id).first<{ h: string | null }>();
  return row?.h ?? null;
}

/** Neither the password nor anything of its stored hash appears in `text`. */
export async function expectNoSecret(text: string, linkId: string): Promise<void> {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain("pbkdf2");
  expect(text).not.toMatch(/"password(Hash)?"\s*:/);
  const hash = await passwordHashOf(linkId);
  if (hash) for (const part of hash.split("$").slice(2)) expect(text).not.toContain(part);
}
