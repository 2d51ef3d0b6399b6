import { env } from "cloudflare:test";
import { expect, vi } from "vitest";
import { ulid } from "ulid";
import { linkEventSchema, type LinkEvent } from "#events";
import { sampleEvents } from "#events/samples";
import { CLICK_EVENT_TYPES, connectUrl, type RecordClicksInput } from "../feed-rpc";
import { serverFrameSchema, type ServerFrame } from "../frames";
import type { TeamFeed } from "../team-feed";

// Test helpers for TeamFeed, shared by the api project (the object's host) and the
// dashboard project (which binds it by script_name): both have it as env.TEAM_FEED.

export const newTeamId = (): string => `team_${ulid()}`;
export const newEventId = (): string => `evt_${ulid()}`;
export const newKeyId = (): string => `key_${ulid()}`;

/** The team's object, as the api Worker and the dashboard consumer address it. */
export function feedOf(teamId: string): DurableObjectStub<TeamFeed> {
  return env.TEAM_FEED.get(env.TEAM_FEED.idFromName(teamId));
}

/** Valid lifecycle events of one team, each with a fresh id, cycling through every type the feed stores (not clicks). */
export function teamEvents(teamId: string, count: number): LinkEvent[] {
  const samples = Object.values(sampleEvents).filter((sample) => !(CLICK_EVENT_TYPES as readonly string[]).includes(sample.type));
  return Array.from({ length: count }, (_, i) => linkEventSchema.parse({ ...structuredClone(samples[i % samples.length]), id: newEventId(), teamId }));
}

/** A client socket that records every frame, parsed strictly; raw text (the runtime's "pong") is kept apart. */
export interface FeedClient {
  ws: WebSocket;
  frames: ServerFrame[];
  raw: string[];
  closed: Promise<CloseEvent>;
  /** Event ids received, in order. */
  eventIds(): string[];
  /** Waits until `count` frames of `type` have arrived and returns them. */
  waitFor<T extends ServerFrame["type"]>(type: T, count?: number): Promise<Extract<ServerFrame, { type: T }>[]>;
  send(frame: unknown): void;
}

export function feedClient(res: Response): FeedClient {
  expect(res.status).toBe(101);
  const ws = res.webSocket;
  if (!ws) throw new Error("the 101 response carries no WebSocket");
  const frames: ServerFrame[] = [];
  const raw: string[] = [];
  const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve));
  ws.addEventListener("message", (message) => {
    const text = typeof message.data === "string" ? message.data : new TextDecoder().decode(message.data);
    if (!text.startsWith("{")) {
      raw.push(text);
      return;
    }
    frames.push(serverFrameSchema.parse(JSON.parse(text)));
  });
  ws.accept();
  const ofType = <T extends ServerFrame["type"]>(type: T) => frames.filter((f): f is Extract<ServerFrame, { type: T }> => f.type === type);
  return {
    ws,
    frames,
    raw,
    closed,
    eventIds: () => ofType("event").map((f) => f.event.id),
    waitFor: (type, count = 1) =>
      vi.waitUntil(
        () => {
          const found = ofType(type);
          return found.length >= count ? found : false;
        },
        { timeout: 5_000, interval: 5 },
      ),
    send: (frame) => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame)),
  };
}

export interface ConnectOptions {
  /** The API key the socket is opened with (a fresh id unless given). */
  keyId?: string;
  /** The plan's socket cap (the free plan's 20 unless given). */
  maxSockets?: number;
  /** The object to connect to (the team's named object unless given). */
  stub?: DurableObjectStub<TeamFeed>;
}

/** The connect request the api Worker sends the object after checking the token and the key. */
export function connectRequest(teamId: string, since?: string, options: ConnectOptions = {}): Promise<Response> {
  const url = connectUrl({ team: teamId, key: options.keyId ?? newKeyId(), maxSockets: options.maxSockets ?? 20, since });
  return (options.stub ?? feedOf(teamId)).fetch(url, { headers: { upgrade: "websocket" } });
}

/** Connects straight to a team's object, as the api Worker does after checking the token. */
export async function connectFeed(teamId: string, since?: string, options: ConnectOptions = {}): Promise<FeedClient> {
  const client = feedClient(await connectRequest(teamId, since, options));
  await client.waitFor("ready");
  return client;
}

/** Broadcasts events in calls of at most 100 (one queue batch each). */
export async function broadcastAll(teamId: string, events: LinkEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 100) await feedOf(teamId).broadcast({ teamId, events: events.slice(i, i + 100) });
}

export const newLinkId = (): string => `lnk_${ulid()}`;

/** One recordClicks entry: a batch id (fresh unless given) and human clicks per link of the team. */
export function clickBatch(
  teamId: string,
  clicks: { linkId: string; slug: string; clicks: number }[],
  id = newEventId(),
): RecordClicksInput["batches"][number] {
  return { id, counts: clicks.map((count) => ({ ...count, teamId })) };
}

/** Sums the counts of every `clicks` frame a client received, per link id. */
export function tickTotals(client: FeedClient): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const frame of client.frames)
    if (frame.type === "clicks") for (const count of frame.counts) totals[count.linkId] = (totals[count.linkId] ?? 0) + count.clicks;
  return totals;
}

/** Waits until a client's ticks add up to `expected` exactly (per link id). */
export async function waitForTotals(client: FeedClient, expected: Record<string, number>): Promise<void> {
  await vi
    .waitUntil(() => JSON.stringify(sorted(tickTotals(client))) === JSON.stringify(sorted(expected)), { timeout: 5_000, interval: 10 })
    .catch(() => {
      throw new Error(`ticks add up to ${JSON.stringify(tickTotals(client))}, expected ${JSON.stringify(expected)}`);
    });
}

function sorted(record: Record<string, number>): [string, number][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}

/** Awaited inside try/catch: an RPC promise handed to expect().rejects is also reported unhandled. */
export async function failureOf(call: () => Promise<unknown>): Promise<string | null> {
  try {
    await call();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
