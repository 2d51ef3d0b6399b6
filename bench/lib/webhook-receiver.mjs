// A webhook endpoint on 127.0.0.1 (the local stack allows loopback http endpoints): counts each
// delivery by its webhook-id (the event id, the same on every retry) after checking its
// Standard Webhooks signature, and notes when the first copy arrived.
import http from "node:http";
import { Webhook } from "standardwebhooks";

/**
 * @typedef {object} Receiver
 * @property {string} url
 * @property {(eventId: string) => { count: number, firstAt: number } | undefined} receipt
 * @property {() => { unique: number, copies: number, badSignatures: number }} totals
 * @property {(secret: string) => void} trust add a secret deliveries may be signed with
 * @property {() => Promise<void>} stop
 */

/** @returns {Promise<Receiver>} */
export async function startWebhookReceiver() {
  /** @type {Map<string, { count: number, firstAt: number }>} */
  const receipts = new Map();
  /** @type {Webhook[]} */
  const verifiers = [];
  let badSignatures = 0;
  const server = http.createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const at = performance.timeOrigin + performance.now();
      const body = Buffer.concat(chunks).toString("utf8");
      /** @type {Record<string, string>} */
      const headers = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value;
      const id = headers["webhook-id"];
      const signed = verifiers.some((v) => {
        try {
          v.verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      if (!id || !signed) {
        badSignatures++;
        res.writeHead(400).end();
        return;
      }
      const seen = receipts.get(id);
      if (seen) seen.count++;
      else receipts.set(id, { count: 1, firstAt: at });
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the webhook receiver has no port");
  return {
    url: `http://127.0.0.1:${address.port}/hooks`,
    receipt: (eventId) => receipts.get(eventId),
    totals: () => ({ unique: receipts.size, copies: [...receipts.values()].reduce((sum, r) => sum + r.count, 0), badSignatures }),
    trust: (secret) => verifiers.push(new Webhook(secret)),
    stop: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}
