// The page's calls to the Linkflow API (API.md), each answer parsed by its schema (schemas.js).
import { ApiError, transport, unexpected } from "./api-core.js";
import * as schemas from "./schemas.js";

/** @typedef {"hour" | "day"} StatsInterval */
/** @typedef {{ q?: string, tag?: string }} LinkFilter */

export { ApiError };

/**
 * @template T
 * @param {import("zod/mini").ZodMiniType<T>} schema @param {unknown} body @param {string} what
 * @returns {T}
 */
function parse(schema, body, what) {
  const result = schema.safeParse(body);
  if (!result.success) throw unexpected(what);
  return result.data;
}

const enc = encodeURIComponent;
/** How long the page waits before asking again for a QR code the API is still making. */
const QR_RETRY_MS = 1_000;
const QR_TRIES = 10;

/** @param {string} origin @param {string} apiKey */
export function apiClient(origin, apiKey) {
  const http = transport(origin, apiKey);

  return {
    /** @param {string | null} cursor @param {LinkFilter} [filter] */
    async listLinks(cursor, filter = {}) {
      const query = new URLSearchParams({ limit: "25" });
      if (cursor) query.set("cursor", cursor);
      if (filter.q) query.set("q", filter.q);
      if (filter.tag) query.set("tag", filter.tag);
      return parse(schemas.linkPageSchema, await http.get(`/v1/links?${query}`), "GET /v1/links");
    },
    /** @param {string} id */
    async getLink(id) {
      return parse(schemas.linkSchema, await http.get(`/v1/links/${enc(id)}`), "GET /v1/links/:id");
    },
    /** @param {Record<string, unknown>} body */
    async createLink(body) {
      return parse(schemas.linkSchema, await http.send("POST", "/v1/links", body), "POST /v1/links");
    },
    /** @param {string} id @param {Record<string, unknown>} changes */
    async updateLink(id, changes) {
      return parse(schemas.linkSchema, await http.send("PATCH", `/v1/links/${enc(id)}`, changes), "PATCH /v1/links/:id");
    },
    /** @param {string} id */
    async deleteLink(id) {
      await http.send("DELETE", `/v1/links/${enc(id)}`);
    },
    /** @param {string} id @param {StatsInterval} interval */
    async stats(id, interval) {
      return parse(schemas.statsSchema, await http.get(`/v1/links/${enc(id)}/stats?interval=${interval}`), "GET /v1/links/:id/stats");
    },
    /** The same stats as a CSV file (README "Stats and usage"). @param {string} id @param {StatsInterval} interval */
    async statsCsv(id, interval) {
      return (await http.raw(`/v1/links/${enc(id)}/stats?interval=${interval}&format=csv`)).text();
    },
    /** The link's human clicks over the default range (the last 30 days). @param {string} id */
    async linkClicks(id) {
      return parse(schemas.statsSchema, await http.get(`/v1/links/${enc(id)}/stats`), "GET /v1/links/:id/stats").clicks;
    },
    /** The QR code's SVG text; waits while the API answers 202 (not made yet). @param {string} id */
    async qrSvg(id) {
      for (let attempt = 0; attempt < QR_TRIES; attempt += 1) {
        const res = await http.raw(`/v1/links/${enc(id)}/qr`);
        if (res.status === 200) return res.text();
        await new Promise((resolve) => setTimeout(resolve, QR_RETRY_MS));
      }
      throw new ApiError(202, "not_ready", "The QR code is not ready yet: try again in a moment.");
    },
    /** The link's lifecycle events, newest first. @param {string} linkId */
    async linkEvents(linkId) {
      return parse(schemas.eventPageSchema, await http.get(`/v1/events?subject=${enc(linkId)}&limit=50`), "GET /v1/events");
    },
    /** @param {string} eventId */
    async eventTrace(eventId) {
      return parse(schemas.eventTraceSchema, await http.get(`/v1/events/${enc(eventId)}`), "GET /v1/events/:id");
    },
    async usage() {
      return parse(schemas.usageSchema, await http.get("/v1/usage"), "GET /v1/usage");
    },
    /** A short-lived token for the live feed's WebSocket (browsers cannot send headers on it). */
    async feedToken() {
      return parse(schemas.feedTokenSchema, await http.send("POST", "/v1/feed/token"), "POST /v1/feed/token").token;
    },
    webhooks: webhooksApi(http),
  };
}

/** @param {import("./api-core.js").Transport} http */
function webhooksApi(http) {
  return {
    async list() {
      return parse(schemas.endpointPageSchema, await http.get("/v1/webhooks?limit=100"), "GET /v1/webhooks").data;
    },
    /** @param {Record<string, unknown>} body */
    async create(body) {
      return parse(schemas.endpointWithSecretSchema, await http.send("POST", "/v1/webhooks", body), "POST /v1/webhooks");
    },
    /** @param {string} id @param {Record<string, unknown>} changes */
    async update(id, changes) {
      return parse(schemas.endpointSchema, await http.send("PATCH", `/v1/webhooks/${enc(id)}`, changes), "PATCH /v1/webhooks/:id");
    },
    /** @param {string} id */
    async rotateSecret(id) {
      return parse(schemas.secretSchema, await http.send("POST", `/v1/webhooks/${enc(id)}/rotate-secret`), "POST rotate-secret").secret;
    },
    /** @param {string} id */
    async remove(id) {
      await http.send("DELETE", `/v1/webhooks/${enc(id)}`);
    },
    /** @param {string} id */
    async sendTest(id) {
      return parse(schemas.testSentSchema, await http.send("POST", `/v1/webhooks/${enc(id)}/test`), "POST /v1/webhooks/:id/test");
    },
    /** @param {string} id */
    async deliveries(id) {
      return parse(schemas.webhookDeliveryPageSchema, await http.get(`/v1/webhooks/${enc(id)}/deliveries?limit=25`), "GET deliveries").data;
    },
    /** @param {string} id @param {string} deliveryId */
    async attempts(id, deliveryId) {
      return parse(schemas.webhookAttemptsSchema, await http.get(`/v1/webhooks/${enc(id)}/deliveries/${enc(deliveryId)}`), "GET delivery");
    },
    /** @param {string} id @param {string} deliveryId */
    async redeliver(id, deliveryId) {
      await http.send("POST", `/v1/webhooks/${enc(id)}/deliveries/${enc(deliveryId)}/redeliver`);
    },
  };
}

/** @typedef {ReturnType<typeof apiClient>} ApiClient */
