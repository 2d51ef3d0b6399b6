import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { linkEventSchema, type LinkEvent } from "../../../events";

export const BASE = "https://lf.test";
export const ADMIN = { authorization: `Bearer ${env.ADMIN_TOKEN}` };

export function api(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, { redirect: "manual", ...init }));
}

export function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

export interface TestTeam {
  id: string;
  apiKey: string;
  auth: Record<string, string>;
}

export async function createTeam(name = "Acme", plan: "free" | "pro" = "free"): Promise<TestTeam> {
  const res = await api("/v1/admin/teams", json({ name, plan }, ADMIN));
  expect(res.status).toBe(201);
  const body = (await res.json()) as { team: { id: string }; apiKey: string };
  return { id: body.team.id, apiKey: body.apiKey, auth: bearer(body.apiKey) };
}

export interface LinkBody {
  id: string;
  slug: string;
  url: string;
  shortUrl: string;
  title: string | null;
  tags: string[];
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export async function createLink(team: TestTeam, body: Record<string, unknown>): Promise<LinkBody> {
  const res = await api("/v1/links", json(body, team.auth));
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as LinkBody;
}

/** Row counts of every table: "writes nothing" means these do not move. */
export async function tableCounts(): Promise<Record<string, number>> {
  const tables = ["teams", "api_keys", "links", "events"];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await env.LINKS_DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>();
    counts[table] = row?.n ?? -1;
  }
  const published = await env.LINKS_DB.prepare("SELECT count(*) AS n FROM events WHERE published_at IS NOT NULL").first<{ n: number }>();
  counts["events_published"] = published?.n ?? -1;
  return counts;
}

/** Every envelope that reached the real `link-events` queue, as consumed by the recorder Worker. */
export async function receivedEvents(): Promise<LinkEvent[]> {
  const res = await env.EVENT_RECORDER.fetch("https://recorder/");
  const items = (await res.json()) as { body: unknown }[];
  return items.map((item) => linkEventSchema.parse(item.body));
}

/** Waits until the queue has delivered events matching `predicate`. */
export async function waitForEvents(predicate: (e: LinkEvent) => boolean, count = 1): Promise<LinkEvent[]> {
  return vi.waitUntil(
    async () => {
      const matching = (await receivedEvents()).filter(predicate);
      return matching.length >= count ? matching : false;
    },
    { timeout: 5_000, interval: 20 },
  );
}

export async function errorOf(res: Response): Promise<{ code: string; message: string; issues?: { path: string; message: string }[] }> {
  const body = (await res.json()) as { error: { code: string; message: string; issues?: { path: string; message: string }[] } };
  return body.error;
}
