/**
 * The floors of `npm run bench`: the least a Worker on the same runtime can do for each
 * measured path, so Linkflow's numbers are read as ratios to what the machine allows.
 * - any GET: a constant 302 (the redirect floor; no lookup, no event);
 * - POST: one D1 insert and one queue send, then 201 (the create floor: what the seed
 *   promises a create costs — one database write and one publish).
 */
export interface FloorEnv {
  FLOOR_DB: D1Database;
  FLOOR_EVENTS: Queue;
}

const LOCATION = "https://example.com/landing";

export default {
  async fetch(request, env) {
    if (request.method !== "POST") return new Response(null, { status: 302, headers: { location: LOCATION } });
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
