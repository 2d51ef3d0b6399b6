// What a chaos run does to the stack: a team with webhook endpoints and a live-feed client, a
// burst of creates from concurrent clients, and clicks on the links as they appear.
import { call, sleep, type Caller } from "./http.ts";
import type { Receiver } from "./receiver.ts";

export interface Team {
  id: string;
  api: Caller;
}

/** The stack's address can change across a restart (same port here, but keep it one place). */
export interface Stack {
  baseUrl: string;
}

export async function createTeam(stack: Stack, adminToken: string, name: string): Promise<Team> {
  const admin: Caller = { baseUrl: stack.baseUrl, headers: { authorization: `Bearer ${adminToken}` } };
  const body = await call<{ team: { id: string }; apiKey: string }>(admin, "POST", "/v1/admin/teams", { name, plan: "pro" });
  return { id: body.team.id, api: { baseUrl: stack.baseUrl, headers: { authorization: `Bearer ${body.apiKey}` } } };
}

/** Registers `receiver` as an endpoint of the team for `events` and hands it its secret. */
export async function subscribe(team: Team, receiver: Receiver, events: string[]): Promise<void> {
  const endpoint = await call<{ secret: string }>(team.api, "POST", "/v1/webhooks", { url: receiver.url, events, description: `chaos ${receiver.mode}` });
  receiver.secret = endpoint.secret;
}

export interface CreatedLink {
  id: string;
  slug: string;
}

export interface Burst {
  /** Links whose create answered 201. */
  created: CreatedLink[];
  /** Creates that got no answer or a 5xx (the stack died under them): they may or may not exist. */
  unanswered: number;
  /** 302s received, by link id. */
  clicks: Map<string, number>;
}

export interface BurstOptions {
  links: number;
  clients: number;
  clicks: number;
  clickClients: number;
  /** Called after each answered create (a scenario plans its fault from it). */
  onCreated?: (createdSoFar: number) => void;
  /** A create without an answer ends the burst (the stack is down: its creators stop). */
  stopOnError?: boolean;
  tag: string;
}

const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/**
 * Creates `links` links from `clients` concurrent clients while `clickClients` others click the
 * links made so far (until `clicks` 302s or the creates end and the clicks are done). A request
 * the stack does not answer is counted, not retried: after a crash its outcome is unknown.
 */
export async function burst(team: Team, stack: Stack, options: BurstOptions): Promise<Burst> {
  const result: Burst = { created: [], unanswered: 0, clicks: new Map() };
  let next = 0;
  let stopped = false;
  let clicked = 0;
  const creator = async () => {
    while (!stopped && next < options.links) {
      const n = next++;
      try {
        const link = await call<CreatedLink>(
          { ...team.api, baseUrl: stack.baseUrl },
          "POST",
          "/v1/links",
          { url: `https://example.com/chaos/${options.tag}/${n}`, tags: [options.tag] },
          [201],
        );
        result.created.push({ id: link.id, slug: link.slug });
        options.onCreated?.(result.created.length);
      } catch {
        result.unanswered++;
        if (options.stopOnError) stopped = true;
      }
    }
  };
  const clicker = async (k: number) => {
    for (let i = 0; clicked < options.clicks; i++) {
      const link = result.created[(i * 7 + k * 13) % Math.max(1, result.created.length)];
      if (!link) {
        await sleep(20);
        if (stopped || next >= options.links) return;
        continue;
      }
      try {
        const res = await fetch(`${stack.baseUrl}/${link.slug}`, {
          redirect: "manual",
          headers: { "user-agent": BROWSER_UA, "x-forwarded-for": `198.51.100.${(i % 200) + 1}` },
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        if (res.status === 302) {
          clicked++;
          result.clicks.set(link.id, (result.clicks.get(link.id) ?? 0) + 1);
        }
      } catch {
        if (stopped) return;
      }
    }
  };
  await Promise.all([...Array.from({ length: options.clients }, creator), ...Array.from({ length: options.clickClients }, (_, k) => clicker(k))]);
  return result;
}

/** The team's live feed as a dashboard sees it: reconnects with `since` after any drop. */
export class FeedClient {
  /** LinkCreated event ids received, with how many times each arrived. */
  readonly createdEvents = new Map<string, number>();
  readonly stats = { connects: 0, resyncs: 0, errors: 0 };
  #lastEventId: string | null = null;
  #ws: WebSocket | null = null;
  #team: Team;
  #stack: Stack;
  #closing = false;

  constructor(team: Team, stack: Stack) {
    this.#team = team;
    this.#stack = stack;
  }

  /** Connects (with `since` = the last event seen, if any) and resolves once the feed says ready. */
  async connect(): Promise<void> {
    this.#closing = false;
    const { token } = await call<{ token: string }>({ ...this.#team.api, baseUrl: this.#stack.baseUrl }, "POST", "/v1/feed/token", undefined, [201]);
    const url = new URL("/v1/feed", this.#stack.baseUrl.replace(/^http/, "ws"));
    url.searchParams.set("token", token);
    if (this.#lastEventId) url.searchParams.set("since", this.#lastEventId);
    const ws = new WebSocket(url);
    this.#ws = ws;
    this.stats.connects++;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the feed did not say ready within 30 s")), 30_000);
      ws.addEventListener("error", () => {
        clearTimeout(timer);
        this.stats.errors++;
        reject(new Error("the feed's WebSocket failed"));
      });
      ws.addEventListener("message", (message) => {
        const frame = JSON.parse(String(message.data)) as { type: string; event?: { id: string; type: string } };
        if (frame.type === "event" && frame.event) {
          this.#lastEventId = frame.event.id;
          if (frame.event.type === "LinkCreated") this.createdEvents.set(frame.event.id, (this.createdEvents.get(frame.event.id) ?? 0) + 1);
        } else if (frame.type === "resync") this.stats.resyncs++;
        else if (frame.type === "ready") {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  /** Drops the connection as a flaky network would (the next connect asks for what it missed). */
  drop(): void {
    this.#closing = true;
    this.#ws?.close(1000, "chaos: reconnecting");
    this.#ws = null;
  }

  /** Reconnects until the stack answers (after a restart it may take a moment). */
  async reconnect(deadlineMs = 60_000): Promise<void> {
    this.drop();
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      try {
        await this.connect();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(1_000);
      }
    }
  }

  close(): void {
    this.drop();
  }
}
