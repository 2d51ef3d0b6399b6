// Webhook receivers for the chaos runs: real HTTP servers on loopback that verify every
// signature (Standard Webhooks) and record each webhook-id they accepted. A receiver may fail on
// purpose: `fail-first` answers 500 to the first request of each webhook-id (half of all requests
// when each id takes two), `hang-first` holds the first request of each id past the sender's
// timeout and then drops the connection.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export type ReceiverMode = "ok" | "fail-first" | "hang-first";

export interface Accepted {
  type: string;
  /** The link the webhook is about (link.* events carry it). */
  linkId: string | null;
  /** Times this webhook-id was accepted (more than one: a redelivery, deduped by id). */
  times: number;
}

export interface Receiver {
  mode: ReceiverMode;
  url: string;
  /** Set once the endpoint is registered (its `whsec_` secret). */
  secret: string | null;
  accepted: Map<string, Accepted>;
  stats: { requests: number; refusedOnPurpose: number; hung: number; badSignature: number };
  close(): Promise<void>;
}

/** How long `hang-first` holds a request: past the webhooks Worker's 15 s timeout. */
const HANG_MS = 20_000;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function linkIdOf(data: unknown): string | null {
  if (typeof data !== "object" || data === null) return null;
  const d = data as { linkId?: unknown; link?: { id?: unknown } };
  if (typeof d.linkId === "string") return d.linkId;
  if (typeof d.link?.id === "string") return d.link.id;
  return null;
}

export async function startReceiver(mode: ReceiverMode, { hangMs = HANG_MS }: { hangMs?: number } = {}): Promise<Receiver> {
  const attempts = new Map<string, number>();
  const hanging = new Set<IncomingMessage>();
  const receiver: Receiver = {
    mode,
    url: "",
    secret: null,
    accepted: new Map(),
    stats: { requests: 0, refusedOnPurpose: 0, hung: 0, badSignature: 0 },
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      receiver.stats.requests++;
      const headers = {
        "webhook-id": String(req.headers["webhook-id"] ?? ""),
        "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
        "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
      };
      let payload: { type: string; data: unknown };
      try {
        if (!receiver.secret) throw new Error("no secret yet");
        payload = new Webhook(receiver.secret).verify(body, headers) as { type: string; data: unknown };
      } catch {
        receiver.stats.badSignature++;
        res.writeHead(400).end();
        return;
      }
      const id = headers["webhook-id"];
      const attempt = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, attempt);
      if (mode === "fail-first" && attempt === 1) {
        receiver.stats.refusedOnPurpose++;
        res.writeHead(500).end("failing on purpose");
        return;
      }
      if (mode === "hang-first" && attempt === 1) {
        receiver.stats.hung++;
        hanging.add(req);
        setTimeout(() => {
          hanging.delete(req);
          req.socket.destroy();
        }, hangMs);
        return;
      }
      const seen = receiver.accepted.get(id);
      if (seen) seen.times++;
      else receiver.accepted.set(id, { type: payload.type, linkId: linkIdOf(payload.data), times: 1 });
      res.writeHead(200).end("ok");
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}/hooks`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      for (const req of hanging) req.socket.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
