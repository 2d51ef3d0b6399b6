import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createLink, createTeam, eventIdOf, eventually } from "./client";

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

/** A real HTTP receiver on 127.0.0.1, as a developer would run one: /flaky fails its first two calls. */
const received: Received[] = [];
let server: Server;
let origin = "";

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      const path = req.url ?? "/";
      const earlier = received.filter((r) => r.path === path).length;
      const status = path.startsWith("/flaky") && earlier < 2 ? 503 : 200;
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      received.push({ path, headers, body, status });
      res.writeHead(status, status === 503 ? { "retry-after": "1" } : { "content-type": "text/plain" });
      res.end(status === 503 ? "try again" : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("webhooks on the real stack, to a real receiver", () => {
  it("delivers a created link signed and verifiable, and retries a failing receiver with the same webhook-id", async () => {
    const team = await createTeam("Hooks");
    const steady = await api.post<{ id: string; secret: string }>("/v1/webhooks", team, { url: `${origin}/steady`, events: ["link.created"] });
    const flaky = await api.post<{ id: string; secret: string }>("/v1/webhooks", team, { url: `${origin}/flaky`, events: ["link.created"] });

    const link = await createLink(team, { url: "https://example.com/hooked" });
    const eventId = await eventIdOf(team, link.id, "LinkCreated");

    const first = await eventually(async () => received.find((r) => r.path === "/steady"), "the steady receiver to get the event");
    expect(first.headers["webhook-id"]).toBe(eventId);
    const payload = new Webhook(steady.secret).verify(first.body, first.headers) as { type: string; data: { link: { id: string } } };
    expect(payload.type).toBe("link.created");
    expect(payload.data.link.id).toBe(link.id);

    const calls = await eventually(
      async () => {
        const list = received.filter((r) => r.path === "/flaky");
        return list.length >= 3 && list;
      },
      "the flaky receiver's third attempt",
      60_000,
    );
    expect(calls.map((c) => [c.headers["webhook-id"], c.status])).toEqual([
      [eventId, 503],
      [eventId, 503],
      [eventId, 200],
    ]);
    expect(() => new Webhook(flaky.secret).verify(calls[2]?.body ?? "", calls[2]?.headers ?? {})).not.toThrow();

    type Log = { data: { id: string; eventId: string; status: string; attempts: number; responseStatus: number | null; deliveredAt: string | null }[] };
    const log = await eventually(async () => {
      const page = await api.get<Log>(`/v1/webhooks/${flaky.id}/deliveries`, team);
      return page.data.find((d) => d.eventId === eventId && d.status === "delivered");
    }, "the delivery log to say delivered");
    expect(log).toMatchObject({ attempts: 3, responseStatus: 200 });
    expect(log.deliveredAt).not.toBeNull();
    type Detail = { attemptLog: { attempt: number; responseStatus: number | null; error: string | null }[] };
    const detail = await api.get<Detail>(`/v1/webhooks/${flaky.id}/deliveries/${log.id}`, team);
    expect(detail.attemptLog.map(({ attempt, responseStatus, error }) => ({ attempt, responseStatus, error }))).toEqual([
      { attempt: 1, responseStatus: 503, error: "the endpoint answered 503" },
      { attempt: 2, responseStatus: 503, error: "the endpoint answered 503" },
      { attempt: 3, responseStatus: 200, error: null },
    ]);
    expect(received.filter((r) => r.path === "/steady")).toHaveLength(1);
  });
});
