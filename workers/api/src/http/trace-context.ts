import type { Context, Next } from "hono";
import type { TracedEnv } from "../app-env";
import { toHex } from "../../../shared/crypto";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

// Random bytes drawn from the CSPRNG 4 KB at a time: a redirect needs 24 (trace id and span id),
// and one native call per 170 redirects costs less than two per redirect.
const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let poolAt = POOL_SIZE;

function randomHex(bytes: number): string {
  if (poolAt + bytes > POOL_SIZE) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const hex = toHex(pool.subarray(poolAt, poolAt + bytes));
  poolAt += bytes;
  return hex;
}

/** Parses a W3C `traceparent`; null when absent or invalid (all-zero ids are invalid). */
export function parseTraceparent(header: string | undefined): { traceId: string; parentId: string } | null {
  const match = header ? TRACEPARENT.exec(header.trim()) : null;
  if (!match?.[1] || !match[2]) return null;
  if (/^0+$/.test(match[1]) || /^0+$/.test(match[2])) return null;
  return { traceId: match[1], parentId: match[2] };
}

export function newTraceId(): string {
  return randomHex(16);
}

/** Our `traceparent` for a response: the trace id continued (or new) with a span of our own. */
export function responseTraceparent(traceId: string): string {
  return `00-${traceId}-${randomHex(8)}-01`;
}

/**
 * Continues the caller's trace (or starts one) and answers with our own span in
 * `traceparent`, so a client can look its request's events up by trace id. Generic over the app
 * (the api's or the edge's), which only has to declare the trace id.
 */
export async function traceContext<E extends TracedEnv>(c: Context<E>, next: Next): Promise<void> {
  const incoming = parseTraceparent(c.req.header("traceparent"));
  const traceId = incoming?.traceId ?? newTraceId();
  c.set("traceId", traceId);
  c.header("traceparent", responseTraceparent(traceId));
  await next();
}
