/**
 * The floors of `npm run bench`: the least a Worker on the same runtime can do for each
 * measured path, so Linkflow's numbers are read as ratios to what the machine allows.
 * - GET /kv/<key>: one KV read of `key` as JSON with the redirect path's cacheTtl, then the constant
 *   302 (404 when the key is missing, so a wrongly seeded run shows): the floor of a redirect whose
 *   slug the isolate has not cached (bench/lib/runtime.mjs seedFloorKv copies the stack's records);
 * - any other GET: a constant 302 (the redirect floor; no lookup, no event);
 * - POST: one D1 insert and one queue send, then 201 (the create floor: what the seed
 *   promises a create costs — one database write and one publish).
 */
export interface FloorEnv {
  FLOOR_DB: D1Database;
  FLOOR_EVENTS: Queue;
  FLOOR_KV: KVNamespace;
}

const LOCATION = "https://example.com/landing";
/** The redirect path's KV_CACHE_TTL_SECONDS (workers/api/src/redirect/read-model.ts). */
const KV_CACHE_TTL_SECONDS = 30;

export default {
  async fetch(request, env) {
    if (request.method !== "POST") {
      // The path without building a URL object, as the redirect's fast path reads its slug.
      const kvAt = request.url.indexOf("/kv/", request.url.indexOf("//") + 2);
      if (kvAt !== -1) {
        const value = await env.FLOOR_KV.get(decodeURIComponent(request.url.slice(kvAt + 4)), { type: "json", cacheTtl: KV_CACHE_TTL_SECONDS });
        if (value === null) return new Response(null, { status: 404 });
      }
      return new Response(null, { status: 302, headers: { location: LOCATION } });
    }
    const body = await request.text();
    const id = crypto.randomUUID();
    const createdAt = new Date().toISOString();
    await env.FLOOR_DB.prepare("INSERT INTO items (id, body, created_at) VALUES (?, ?, ?)").bind(id, body, createdAt).run();
    await env.FLOOR_EVENTS.send({ id, createdAt, body }, { contentType: "json" });
    return Response.json({ id, createdAt }, { status: 201 });
  },
  // The floor's queue has a consumer, as link-events has the fan-out: messages do not pile up.
  async queue(batch) {
    batch.ackAll();
  },
} satisfies ExportedHandler<FloorEnv>;
