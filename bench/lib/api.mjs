// The bench drives the stack over its public HTTP API only (../shared/API.md), like a client,
// and parses what it reads (the figures are only as good as the answers they count).
import { z } from "zod";

const linkShape = z.object({ id: z.string(), slug: z.string(), shortUrl: z.string() });
const teamCreated = z.object({ team: z.object({ id: z.string() }), apiKey: z.string() });
const bulkResults = z.object({
  results: z.array(z.union([z.object({ ok: z.literal(true), link: linkShape }), z.object({ ok: z.literal(false), error: z.unknown() })])),
});

/**
 * @typedef {object} Team
 * @property {string} id
 * @property {string} apiKey
 * @property {Record<string, string>} auth
 *
 * @typedef {object} Link
 * @property {string} id
 * @property {string} slug
 * @property {string} shortUrl
 */

/**
 * @param {URL} base
 * @param {string} method
 * @param {string} path
 * @param {Record<string, string>} headers
 * @param {unknown} [body]
 * @returns {Promise<{ status: number, body: unknown }>}
 */
async function call(base, method, path, headers, body) {
  const res = await fetch(new URL(path, base), {
    method,
    headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/**
 * @template T
 * @param {z.ZodType<T>} schema what a success answers
 * @param {URL} base
 * @param {string} method
 * @param {string} path
 * @param {Record<string, string>} headers
 * @param {unknown} [body]
 * @returns {Promise<T>}
 */
export async function callOrThrow(schema, base, method, path, headers, body) {
  const res = await call(base, method, path, headers, body);
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return schema.parse(res.body);
}

/**
 * @param {URL} base
 * @param {string} adminToken
 * @param {string} name
 * @returns {Promise<Team>}
 */
export async function createTeam(base, adminToken, name) {
  const body = await callOrThrow(teamCreated, base, "POST", "/v1/admin/teams", { authorization: `Bearer ${adminToken}` }, { name, plan: "pro" });
  return { id: body.team.id, apiKey: body.apiKey, auth: { authorization: `Bearer ${body.apiKey}` } };
}

/**
 * Creates `count` links through POST /v1/links/bulk, `perRequest` at a time (at most 100; fewer
 * when `fields` make each link large: a body is at most 64 KiB).
 * @param {URL} base
 * @param {Team} team
 * @param {number} count
 * @param {string} tag names the destinations, e.g. "redirect"
 * @param {Record<string, unknown>} [fields] more fields of every link (e.g. its targeting rules)
 * @param {number} [perRequest]
 * @returns {Promise<Link[]>}
 */
export async function bulkCreate(base, team, count, tag, fields = {}, perRequest = 100) {
  /** @type {Link[]} */
  const links = [];
  for (let from = 0; from < count; from += perRequest) {
    const items = Array.from({ length: Math.min(perRequest, count - from) }, (_, i) => ({ ...fields, url: `https://example.com/${tag}/${from + i}` }));
    const body = await callOrThrow(bulkResults, base, "POST", "/v1/links/bulk", team.auth, { links: items });
    for (const result of body.results) {
      if (!result.ok) throw new Error(`bulk create refused a link: ${JSON.stringify(result.error)}`);
      links.push(result.link);
    }
  }
  return links;
}

/**
 * Creates one link and notes when its 201 arrived (epoch ms with sub-ms precision, comparable
 * with the runtime's clock: same machine, same wall clock).
 * @param {URL} base
 * @param {Team} team
 * @param {string} url
 * @returns {Promise<Link & { respondedAt: number }>}
 */
export async function createLinkTimed(base, team, url) {
  const body = await callOrThrow(linkShape, base, "POST", "/v1/links", team.auth, { url });
  return { id: body.id, slug: body.slug, shortUrl: body.shortUrl, respondedAt: performance.timeOrigin + performance.now() };
}

/**
 * @template T
 * @param {z.ZodType<T>} schema
 * @param {URL} base
 * @param {Team} team
 * @param {string} path
 */
export function getJson(schema, base, team, path) {
  return callOrThrow(schema, base, "GET", path, team.auth);
}

/**
 * The status of a GET, whatever the body is (an SVG, say).
 * @param {URL} base
 * @param {Team} team
 * @param {string} path
 */
export async function getStatus(base, team, path) {
  const res = await fetch(new URL(path, base), { headers: team.auth, redirect: "manual" });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Runs `task` over `items` with at most `concurrency` at a time; results in input order.
 * @template T, R
 * @param {T[]} items
 * @param {number} concurrency
 * @param {(item: T, index: number) => Promise<R>} task
 * @returns {Promise<R[]>}
 */
export async function mapConcurrent(items, concurrency, task) {
  /** @type {R[]} */
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(/** @type {T} */ (items[i]), i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
