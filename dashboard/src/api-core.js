// The one HTTP helper of the page: the team's API key on every call, the API's error envelope
// (API.md "Errors") turned into an ApiError that keeps the field paths of its issues.

/** @typedef {{ path: string, message: string }} ApiIssue */

export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message @param {ApiIssue[]} [issues] */
  constructor(status, code, message, issues = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

/** @param {unknown} value @returns {value is Record<string, unknown>} */
export const isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);

/** @param {unknown} value @returns {value is ApiIssue} */
function isIssue(value) {
  return isObject(value) && typeof value.path === "string" && typeof value.message === "string";
}

/** @param {number} status @param {unknown} body */
function errorOf(status, body) {
  const error = isObject(body) && isObject(body.error) ? body.error : {};
  const issues = Array.isArray(error.issues) ? error.issues.filter(isIssue) : [];
  return new ApiError(
    status,
    typeof error.code === "string" ? error.code : "http_error",
    typeof error.message === "string" ? error.message : `HTTP ${status}`,
    issues,
  );
}

/** @param {string} what */
export function unexpected(what) {
  return new ApiError(200, "unexpected", `Unexpected answer from ${what}`);
}

/**
 * @param {string} origin the API's origin (the page's own)
 * @param {string} apiKey
 */
export function transport(origin, apiKey) {
  /** @param {string} path @param {RequestInit} [init] @returns {Promise<Response>} */
  async function raw(path, init = {}) {
    const res = await fetch(new URL(path, origin), { ...init, headers: { authorization: `Bearer ${apiKey}`, ...init.headers } });
    if (!res.ok) throw errorOf(res.status, await res.json().catch(() => null));
    return res;
  }

  return {
    raw,
    /** @param {string} path @returns {Promise<unknown>} */
    async get(path) {
      return (await raw(path)).json();
    },
    /** @param {"POST" | "PATCH" | "DELETE"} method @param {string} path @param {unknown} [body] @returns {Promise<unknown>} */
    async send(method, path, body) {
      const init = body === undefined ? { method } : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
      const res = await raw(path, init);
      return res.status === 204 ? null : res.json();
    },
  };
}

/** @typedef {ReturnType<typeof transport>} Transport */
