import { z } from "zod";
import { errorMessage, logger } from "../log";

/**
 * CHAOS: opt-in fault injection for chaos runs (README "Fault injection"). Absent or empty in
 * every committed config (a tooling test and `npm run deploy` refuse it); a chaos harness sets
 * it to a JSON string. Strict: a misconfigured run must fail loudly, never run without faults.
 */
const rate = z.number().min(0).max(1);
const instant = z.iso.datetime({ offset: true }).transform((iso) => new Date(iso));

export const chaosSchema = z.strictObject({
  /** Share of a toolkit consumer's message attempts that fail before anything is done. */
  consumerFailureRate: rate.optional(),
  /** Share of the api's sends to its topics (send and sendBatch) that throw. */
  queueSendFailureRate: rate.optional(),
  /** During [from, to), toolkit consumers' D1 writes throw (all consumers, or only `subscribers`); reads work. */
  d1WriteFailure: z
    .strictObject({ from: instant, to: instant, subscribers: z.array(z.string().min(1)).optional() })
    .refine((w) => w.from < w.to, { message: "from must be before to", path: ["to"] })
    .optional(),
});

export type ChaosSettings = z.infer<typeof chaosSchema>;
export type WriteFailureWindow = NonNullable<ChaosSettings["d1WriteFailure"]>;

export const CONSUMER_FAILURE = "chaos: injected consumer failure";
export const QUEUE_SEND_FAILURE = "chaos: injected queue send failure";
export const D1_WRITE_FAILURE = "D1_ERROR: chaos: injected write failure";

/** Parses a CHAOS value; throws an error naming the bad field. */
export function parseChaos(raw: string): ChaosSettings {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new Error(`invalid CHAOS: not JSON (${errorMessage(error)})`);
  }
  const parsed = chaosSchema.safeParse(json);
  if (!parsed.success) throw new Error(`invalid CHAOS: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

// The var does not change within an isolate: parse (and warn) once per distinct string.
let cached: { raw: string; settings: ChaosSettings } | undefined;

/**
 * The Worker's chaos settings, or null when CHAOS is absent or empty (production). The first
 * parse of a value logs one `chaos faults on` warning, under `worker`.
 */
export function chaosOf(env: unknown, worker = "chaos"): ChaosSettings | null {
  const raw: unknown = typeof env === "object" && env !== null ? Reflect.get(env, "CHAOS") : undefined;
  if (raw === undefined || raw === "") return null;
  if (typeof raw !== "string") throw new Error(`invalid CHAOS: must be a JSON string, got ${typeof raw}`);
  if (cached?.raw !== raw) {
    const settings = parseChaos(raw);
    cached = { raw, settings };
    logger(worker).warn("chaos faults on", { chaos: settings });
  }
  return cached.settings;
}

/** One independent draw: true with probability `rate` (0 never, 1 always). */
export function strikes(rate: number, random: () => number = Math.random): boolean {
  return rate > 0 && random() < rate;
}
