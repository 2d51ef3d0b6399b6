// The local stack's override of the abuse limits (README "Limits"). One knob, the api Worker's
// LIMITS_MULTIPLIER var: the Worker scales what it counts on D1 (links a minute) and what its
// RateLimit headers state; the Rate Limiting bindings cannot read a var, so every config the
// local stack runs gets its [[ratelimits]] limits scaled by the same factor here.

/**
 * The factor LIMITS_MULTIPLIER asks for (1 when unset); throws on what the Worker would refuse.
 * @param {Record<string, string>} vars
 */
export function limitsMultiplier(vars) {
  const value = vars["LIMITS_MULTIPLIER"] ?? "1";
  if (!/^[1-9][0-9]{0,5}$/.test(value)) throw new Error(`LIMITS_MULTIPLIER must be a whole number from 1 to 999999, not ${JSON.stringify(value)}`);
  return Number(value);
}

/**
 * `[[ratelimits]]` entries (wrangler's `{ name, namespace_id, simple: { limit, period } }`) with
 * every limit multiplied by `factor`; periods stay (Cloudflare allows only 10 and 60 s).
 * @template {{ simple?: { limit: number, period: number } }} T
 * @param {T[] | undefined} ratelimits
 * @param {number} factor
 * @returns {T[] | undefined}
 */
export function scaleRateLimits(ratelimits, factor) {
  if (!ratelimits || factor === 1) return ratelimits;
  return ratelimits.map((entry) => (entry.simple ? { ...entry, simple: { ...entry.simple, limit: entry.simple.limit * factor } } : entry));
}
