import { inject } from "vitest";

/** A small HTTP client for the running stack: the e2e tests touch nothing but HTTP. */
export const baseUrl = inject("baseUrl");
const adminAuth = { authorization: `Bearer ${inject("adminToken")}` };

export interface Team {
  id: string;
  auth: Record<string, string>;
}

export interface Delivery {
  subscriber: string;
  status: "pending" | "delivered" | "retrying" | "dead";
  attempts: number;
  duplicates: number;
  lastError: string | null;
  processedAt: string | null;
}

async function call<T>(method: string, path: string, headers: Record<string, string>, body?: unknown, expected = [200, 201, 202]): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
  });
  const text = await res.text();
  if (!expected.includes(res.status)) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

export const api = {
  get: <T>(path: string, team: Team) => call<T>("GET", path, team.auth),
  post: <T>(path: string, team: Team, body: unknown) => call<T>("POST", path, team.auth, body),
  admin: <T>(method: string, path: string, body?: unknown) => call<T>(method, path, adminAuth, body),
};

export async function createTeam(name: string, plan: "free" | "pro" = "pro"): Promise<Team> {
  const body = await api.admin<{ team: { id: string }; apiKey: string }>("POST", "/v1/admin/teams", { name, plan });
  return { id: body.team.id, auth: { authorization: `Bearer ${body.apiKey}` } };
}

export async function createLink(team: Team, body: Record<string, unknown>): Promise<{ id: string; slug: string; shortUrl: string }> {
  return api.post("/v1/links", team, body);
}

/** The id of the newest event of `type` about `subject`, from the team's event log. */
export async function eventIdOf(team: Team, subject: string, type: string): Promise<string> {
  const page = await api.get<{ data: { id: string; type: string }[] }>(`/v1/events?subject=${subject}&type=${type}`, team);
  const id = page.data[0]?.id;
  if (!id) throw new Error(`no ${type} event for ${subject}`);
  return id;
}

export async function deliveries(team: Team, eventId: string): Promise<Delivery[]> {
  return (await api.get<{ deliveries: Delivery[] }>(`/v1/events/${eventId}`, team)).deliveries;
}

/** Polls until `check` returns a value (not undefined/false); fails with the last observation. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
