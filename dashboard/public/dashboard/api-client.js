// The page's calls to the Linkflow API (API.md), with the team's API key.

/**
 * @typedef {{ id: string, slug: string, url: string, shortUrl: string, title: string | null, tags: string[],
 *   expiresAt: string | null, createdAt: string, updatedAt: string }} Link
 * @typedef {{ data: Link[], nextCursor: string | null }} LinkPage
 * @typedef {{ plan: string, period: string, linksCreated: number, linkLimit: number | null }} Usage
 */

export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
const isObject = (value) => typeof value === "object" && value !== null;

/** @param {unknown} value @returns {value is Link} */
export function isLink(value) {
  return (
    isObject(value) &&
    typeof value.id === "string" &&
    typeof value.slug === "string" &&
    typeof value.url === "string" &&
    typeof value.shortUrl === "string" &&
    Array.isArray(value.tags) &&
    typeof value.createdAt === "string"
  );
}

/**
 * @param {string} origin the API's origin (the page's own)
 * @param {string} apiKey
 */
export function apiClient(origin, apiKey) {
  /** @param {string} path @param {RequestInit} [init] @returns {Promise<unknown>} */
  async function request(path, init = {}) {
    const res = await fetch(new URL(path, origin), { ...init, headers: { authorization: `Bearer ${apiKey}`, ...init.headers } });
    if (!res.ok) {
      /** @type {unknown} */
      const body = await res.json().catch(() => null);
      const error = isObject(body) && isObject(body.error) ? body.error : {};
      throw new ApiError(
        res.status,
        typeof error.code === "string" ? error.code : "http_error",
        typeof error.message === "string" ? error.message : `HTTP ${res.status}`,
      );
    }
    return res.status === 204 ? null : res.json();
  }

  return {
    /** @param {string | null} cursor @returns {Promise<LinkPage>} */
    async listLinks(cursor) {
      const query = new URLSearchParams({ limit: "50" });
      if (cursor) query.set("cursor", cursor);
      const body = await request(`/v1/links?${query}`);
      if (!isObject(body) || !Array.isArray(body.data)) throw new ApiError(200, "unexpected", "Unexpected answer from GET /v1/links");
      return { data: body.data.filter(isLink), nextCursor: typeof body.nextCursor === "string" ? body.nextCursor : null };
    },

    /** The link's click count, or null when stats are not available (yet) on this API. @param {string} id */
    async linkClicks(id) {
      const body = await request(`/v1/links/${encodeURIComponent(id)}/stats`);
      return isObject(body) && typeof body.clicks === "number" ? body.clicks : null;
    },

    /** @returns {Promise<Usage | null>} */
    async usage() {
      const body = await request("/v1/usage");
      if (!isObject(body) || typeof body.plan !== "string" || typeof body.linksCreated !== "number") return null;
      return {
        plan: body.plan,
        period: typeof body.period === "string" ? body.period : "",
        linksCreated: body.linksCreated,
        linkLimit: typeof body.linkLimit === "number" ? body.linkLimit : null,
      };
    },

    /** A short-lived token for the live feed's WebSocket (browsers cannot send headers on it). */
    async feedToken() {
      const body = await request("/v1/feed/token", { method: "POST" });
      if (!isObject(body) || typeof body.token !== "string") throw new ApiError(201, "unexpected", "Unexpected answer from POST /v1/feed/token");
      return body.token;
    },
  };
}

/** @typedef {ReturnType<typeof apiClient>} ApiClient */
